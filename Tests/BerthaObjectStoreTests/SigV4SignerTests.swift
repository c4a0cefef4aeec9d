@testable import BerthaObjectStore
import Foundation
import Testing

/// AWS's published SigV4 examples for S3 ("Signature Calculations for the Authorization Header:
/// Transferring Payload in a Single Chunk" and "Authenticating Requests: Using Query Parameters").
@Suite("SigV4 signer against AWS's published examples")
struct SigV4SignerTests {
    let signer = SigV4Signer(credentials: S3Credentials(accessKey: "AKIAIOSFODNN7EXAMPLE",
                                                        secretKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"))
    /// 20130524T000000Z, the date of every AWS example.
    let date = Date(timeIntervalSince1970: 1_369_353_600)

    private func signature(_ headers: [String: String]) -> String? {
        headers["Authorization"]?.components(separatedBy: "Signature=").last
    }

    @Test("GET object with a Range header signs to AWS's f0e8bdb8… signature")
    func getObject() throws {
        let url = try #require(URL(string: "https://examplebucket.s3.amazonaws.com/test.txt"))
        let headers = signer.sign(method: "GET", url: url, headers: ["Range": "bytes=0-9"],
                                  payloadHash: SigV4Signer.emptyPayloadHash, date: date)
        #expect(signature(headers) == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        #expect(headers["Authorization"]?.contains("SignedHeaders=host;range;x-amz-content-sha256;x-amz-date") == true)
    }

    @Test("PUT object with a payload and a storage class matches AWS's example")
    func putObject() throws {
        let url = try #require(URL(string: "https://examplebucket.s3.amazonaws.com/test$file.text"))
        let payload = Data("Welcome to Amazon S3.".utf8)
        #expect(SigV4Signer.sha256Hex(payload) == "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
        let headers = signer.sign(method: "PUT", url: url,
                                  headers: ["Date": "Fri, 24 May 2013 00:00:00 GMT", "x-amz-storage-class": "REDUCED_REDUNDANCY"],
                                  payloadHash: SigV4Signer.sha256Hex(payload), date: date)
        #expect(signature(headers) == "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")
    }

    @Test("GET bucket lifecycle (a valueless query parameter) matches AWS's example")
    func getLifecycle() throws {
        let url = try #require(URL(string: "https://examplebucket.s3.amazonaws.com/?lifecycle"))
        let headers = signer.sign(method: "GET", url: url, headers: [:], payloadHash: SigV4Signer.emptyPayloadHash, date: date)
        #expect(signature(headers) == "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543")
    }

    @Test("list objects with max-keys and prefix matches AWS's example")
    func listObjects() throws {
        let url = try #require(URL(string: "https://examplebucket.s3.amazonaws.com/?max-keys=2&prefix=J"))
        let headers = signer.sign(method: "GET", url: url, headers: [:], payloadHash: SigV4Signer.emptyPayloadHash, date: date)
        #expect(signature(headers) == "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")
    }

    @Test("a presigned GET valid 86400 s matches AWS's aeeed9bb… signature")
    func presigned() throws {
        let url = try #require(URL(string: "https://examplebucket.s3.amazonaws.com/test.txt"))
        let presigned = signer.presign(url: url, expires: 86400, date: date)
        #expect(presigned.query?.hasSuffix("X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404") == true)
        #expect(presigned.query?.contains("X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request") == true)
    }

    @Test("URI encoding keeps only unreserved characters", arguments: [
        ("a b", "a%20b"), ("test$file.text", "test%24file.text"), ("~-_.", "~-_."), ("é", "%C3%A9"),
    ])
    func uriEncoding(input: String, expected: String) {
        #expect(SigV4Signer.uriEncode(input) == expected)
    }
}
