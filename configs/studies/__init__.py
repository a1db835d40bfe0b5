"""Study configs (`python -m cardiojax.main --mode=study --config=...`)."""
