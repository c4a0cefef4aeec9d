/// A binary heap ordered by `areInOrder(a, b)`: true when `a` must come out before `b`.
/// The merge loops' work queue: O(log n) per candidate pair instead of rescanning every pair.
struct _BinaryHeap<Element> {
    private var storage: [Element] = []
    private let areInOrder: (Element, Element) -> Bool

    init(capacity: Int = 0, areInOrder: @escaping (Element, Element) -> Bool) {
        self.areInOrder = areInOrder
        storage.reserveCapacity(capacity)
    }

    var isEmpty: Bool { storage.isEmpty }

    mutating func removeAll() { storage.removeAll(keepingCapacity: true) }

    mutating func push(_ element: Element) {
        storage.append(element)
        var child = storage.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard areInOrder(storage[child], storage[parent]) else { break }
            storage.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Element? {
        guard !storage.isEmpty else { return nil }
        storage.swapAt(0, storage.count - 1)
        let top = storage.removeLast()
        var parent = 0
        let count = storage.count
        while true {
            let left = 2 * parent + 1, right = left + 1
            var first = parent
            if left < count, areInOrder(storage[left], storage[first]) { first = left }
            if right < count, areInOrder(storage[right], storage[first]) { first = right }
            if first == parent { break }
            storage.swapAt(parent, first)
            parent = first
        }
        return top
    }
}
