#!/usr/bin/env bash
# One prepared GPU benchmark run (issue 16): cardiojax against PyTorch on an NVIDIA GPU.
#
#   bash experiments/benchmarks/gpu.sh [--out DIR] [--skip-install]
#   bash experiments/benchmarks/gpu.sh --dry-run [--out DIR]   # CPU, tiny sizes, installs nothing
#
# Steps; each writes its JSON into DIR (default experiments/benchmarks/gpu) when it ends,
# so a run cut short keeps what it finished:
#   0. pip install -e '.[cuda12,torch]' (jax[cuda12] and torch==2.13.0, whose PyPI
#      wheel is the CUDA build); skipped by --skip-install and --dry-run.
#   1. speed.py: ResNet-34, Ribeiro, the BiLSTM and the Transformer at training batch
#      256, cardiojax in bfloat16 (config.train.compute_dtype) against torch under
#      autocast(bfloat16), both on the GPU; train-step FLOPs from XLA's cost analysis
#      and the MFU against the device's dense bf16 peak (bench_common.PEAK_BF16_TFLOPS)
#      -> speed_bf16.json
#   2. end_to_end.py: one epoch of the synthetic PTB-XL-sized corpus through the grain
#      pipeline into the Transformer's train step at batch 256: input-wait fraction
#      -> end_to_end.json
#   3. ablation.py --conv_transpose: the transposed-convolution formulations per layer
#      and in the decoders' train steps (GPU only: not in the dry run)
#      -> ablation_conv_transpose.json
#   summary.json: device, per-step exit status and seconds. Exit status 1 if a step failed.
#
# --dry-run runs steps 1 and 2 on the CPU at tiny sizes (input length 128, batch 2,
# 2 repetitions, a 256-record corpus) with the same flags otherwise, MFU against a
# nominal 1 TFLOP/s peak (CPUs are not in the table); tests/benchmarks runs it.
# Environment: PYTHON (default venv/bin/python if present, else python3),
# STEP_TIMEOUT seconds per step (default 900).
set -uo pipefail

cd "$(dirname "$0")/../.."
OUT=experiments/benchmarks/gpu
DRY_RUN=0
INSTALL=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --dry-run) DRY_RUN=1; INSTALL=0 ;;
    --skip-install) INSTALL=0 ;;
    --out) OUT="$2"; shift ;;
    *) echo "gpu.sh: unknown argument '$1'; expected --dry-run, --skip-install or --out DIR" >&2
       exit 2 ;;
  esac
  shift
done
if [[ -z "${PYTHON:-}" ]]; then
  if [[ -x venv/bin/python ]]; then PYTHON=venv/bin/python; else PYTHON=python3; fi
fi
mkdir -p "$OUT"
STEPS_FILE="$OUT/.steps.jsonl"
: > "$STEPS_FILE"
FAILED=0

run_step() {  # name, command...: runs it under the step timeout and records the outcome
  local name="$1"; shift
  local start=$SECONDS
  echo "== $name: $*"
  timeout "${STEP_TIMEOUT:-900}" "$@"
  local status=$?
  echo "{\"step\": \"$name\", \"exit_status\": $status, \"seconds\": $((SECONDS - start))}" \
    >> "$STEPS_FILE"
  if [[ $status -ne 0 ]]; then
    echo "gpu.sh: step $name failed with exit status $status" >&2
    FAILED=1
  fi
}

if [[ $INSTALL -eq 1 ]]; then
  run_step install "$PYTHON" -m pip install -e '.[cuda12,torch]'
fi

if [[ $DRY_RUN -eq 1 ]]; then
  export JAX_PLATFORMS=cpu
  SIZES=(--tiny --length=128 --train_batch=2 --infer_batch=1 --peak_tflops=1)
  E2E=(--batch_size=2 --records=256 --max_steps=4)
else
  # JAX must not take the GPU's memory up front: torch shares the device.
  export XLA_PYTHON_CLIENT_PREALLOCATE=false
  if ! "$PYTHON" -c "import jax, sys; sys.exit(jax.default_backend() != 'gpu')"; then
    echo "gpu.sh: JAX sees no GPU (jax.default_backend() != 'gpu'); install the [cuda12]" \
         "extra on a machine with an NVIDIA GPU, or use --dry-run" >&2
    exit 1
  fi
  SIZES=(--quick --train_batch=256 --infer_batch=1024)
  E2E=(--batch_size=256)
fi

run_step speed_bf16 "$PYTHON" experiments/benchmarks/speed.py \
  --cases=resnet34,ribeiro_resnet,bilstm,transformer "${SIZES[@]}" \
  --compute_dtype=bfloat16 --torch_autocast --mfu --memory=false \
  --json_out="$OUT/speed_bf16.json"
# end_to_end.py prints its result as JSON on stdout (its --e2e_json also draws a PNG).
run_step end_to_end bash -c "\"\$0\" experiments/benchmarks/end_to_end.py --model=transformer \
  ${E2E[*]} > \"$OUT/end_to_end.json.partial\" && mv \"$OUT/end_to_end.json.partial\" \
  \"$OUT/end_to_end.json\"" "$PYTHON"
if [[ $DRY_RUN -eq 0 ]]; then
  run_step ablation_conv_transpose "$PYTHON" experiments/benchmarks/ablation.py \
    --conv_transpose --reps=5 --json_out="$OUT/ablation_conv_transpose.json"
fi

"$PYTHON" - "$OUT" "$DRY_RUN" <<'EOF'
import json, os, sys, time
import jax
out, dry_run = sys.argv[1], sys.argv[2] == "1"
steps = [json.loads(line) for line in open(os.path.join(out, ".steps.jsonl"))]
summary = {"date": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "dry_run": dry_run,
           "backend": jax.default_backend(), "device": jax.devices()[0].device_kind,
           "steps": steps}
with open(os.path.join(out, "summary.json.partial"), "w") as f:
  json.dump(summary, f, indent=2)
os.replace(os.path.join(out, "summary.json.partial"), os.path.join(out, "summary.json"))
print(json.dumps(summary, indent=2))
EOF
rm -f "$STEPS_FILE"
exit $FAILED
