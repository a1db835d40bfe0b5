"""`python -m cardiojax.serve --workdir=RUN`: see `cardiojax.serve`."""

from cardiojax.serve import main

raise SystemExit(main())
