"""Input pipelines: sources, grain iterators, transforms, samplers, sharding."""
