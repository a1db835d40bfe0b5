"""Training: state, pure steps, optimizers, checkpoints, run directory, loop."""
