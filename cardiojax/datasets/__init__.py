"""Dataset builders (one tfds GeneratorBasedBuilder per corpus) and readers.

Importing this package registers nothing: import a builder module when its
dataset is used, e.g. `from cardiojax.datasets import mitdb`. Builders are
prepared to ArrayRecord and read with `as_data_source` (no TensorFlow);
`download.prepare(builder_cls, data_dir, config, manual_dir=...)` prepares one
from a folder in the corpus's layout or from a download URL.
"""
