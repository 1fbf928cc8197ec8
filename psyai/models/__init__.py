"""Language models: loading by hub name or local path, generation, the tiny demo model.

- :mod:`psyai.models.loading`: :func:`~psyai.models.loading.load_pretrained` for every
  part of psyai that runs a model, with the revision that pins its weights;
- :mod:`psyai.models.generate`: ``psyai generate``, model texts for a stimulus set;
- :mod:`psyai.models.demo`: a tiny bilingual causal LM built offline, for tests and demos.
"""
