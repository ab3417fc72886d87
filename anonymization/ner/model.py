"""Where the trained de-identification NER models live, and loading one.

Speed: the model's matrix products go through numpy's BLAS (OpenBLAS in numpy's wheels)
rather than thinc's default, BLIS, which is about three times slower on the machines we
run on; the results are the same. OpenBLAS is limited to one thread first: its idle
threads spin, and the scrubber already runs one process per core. Where numpy's BLAS
cannot be limited (another build of numpy), the model keeps BLIS.
"""

from __future__ import annotations

import ctypes
from functools import cache
from pathlib import Path
from typing import Any, Final

MODEL_DIR: Final = Path(__file__).resolve().parent.parent / "models"
# spaCy's label for each entity the model finds → the scrubber's entity type.
MODEL_LABELS: Final = {
    "PERSON": "PERSON",
    "LOCATION": "LOCATION",
    "HOSPITAL": "HOSPITAL",
    "ORGANIZATION": "ORGANIZATION",
    "ADDRESS": "ADDRESS",
}
# The thread-count setter of numpy's bundled OpenBLAS, by numpy version (2.x, then 1.x).
OPENBLAS_LIBRARY_GLOBS: Final = ("libscipy_openblas*.so*", "libopenblas*.so*")
OPENBLAS_THREAD_SETTERS: Final = (
    "scipy_openblas_set_num_threads64_",
    "scipy_openblas_set_num_threads",
    "openblas_set_num_threads64_",
    "openblas_set_num_threads",
)


def model_path(language: str) -> Path:
    return MODEL_DIR / f"ner-{language}"


@cache
def numpy_blas_limited_to_one_thread() -> bool:
    """Tell numpy's bundled OpenBLAS to use one thread; False if there is none to tell."""
    import numpy

    libraries = Path(numpy.__file__).resolve().parent.parent / "numpy.libs"
    for pattern in OPENBLAS_LIBRARY_GLOBS:
        for library in sorted(libraries.glob(pattern)):
            loaded = ctypes.CDLL(str(library))  # numpy loaded it already: the same handle
            for name in OPENBLAS_THREAD_SETTERS:
                setter = getattr(loaded, name, None)
                if setter is not None:
                    setter(ctypes.c_int(1))
                    return True
    return False


def load_model(language: str) -> Any:
    """The committed model for `language` (raises FileNotFoundError naming the path)."""
    import spacy
    from thinc.api import NumpyOps

    from anonymization.ner import lexicon_norms

    assert lexicon_norms.FACTORY  # the model's first component is registered by the import
    path = model_path(language)
    if not (path / "config.cfg").is_file():
        raise FileNotFoundError(f"de-identification model missing: {path} (run make train-deid)")
    nlp = spacy.load(path)
    if numpy_blas_limited_to_one_thread():
        numpy_blas = NumpyOps(use_blis=False)
        ner: Any = nlp.get_pipe("ner")
        for layer in ner.model.walk():
            layer.ops = numpy_blas
    return nlp
