# bertha — make targets for a fresh machine. `make setup` installs everything (apt, venv, models),
# `make test` runs every test against real services, `make demo` runs the main job.
SWIFT ?= swift
CONFIG ?= debug
BERTHA = .build/$(CONFIG)/bertha

.PHONY: setup build release models services-start services-stop services-status test demo demo-stop \
        bench bench-compare retrain-acceptance manifests alert-rules clean

setup:
	bash scripts/setup.sh
	$(SWIFT) build

build:
	$(SWIFT) build

release:
	$(SWIFT) build -c release

models:
	bash scripts/models.sh

services-start:
	bash scripts/services.sh start

services-stop:
	bash scripts/services.sh stop

services-status:
	bash scripts/services.sh status

# Every test: builds, starts the real services (MLflow, SeaweedFS S3, Milvus, Prometheus,
# Alertmanager), runs the Swift test suites against them, and stops the services again.
test:
	bash scripts/test.sh

demo:
	bash scripts/demo.sh

demo-stop:
	bash scripts/demo.sh stop

bench: release
	.build/release/bertha bench models/SmolLM2-135M-Instruct.Q4_1.gguf -t 2 -p 128 -n 64 -r 5 --output bench-results/smollm2.json
	.build/release/bertha bench models/gemma-3-270m-q4_k_m.gguf -t 2 -p 128 -n 64 -r 5 --output bench-results/gemma3.json

bench-compare: release
	bash scripts/bench-compare.sh

# The retrain acceptance run (issue #8): 40 facts, a few hundred LoRA steps per base model, eval
# loss and held-out paraphrase answers checked; minutes per model, so not part of `make test`.
retrain-acceptance: release
	bash scripts/retrain-acceptance.sh

manifests: build
	$(BERTHA) render-manifests --config examples/bertha.yaml -o manifests

clean:
	rm -rf .build .services bench-results
