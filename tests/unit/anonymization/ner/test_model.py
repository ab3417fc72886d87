from __future__ import annotations

from thinc.api import NumpyOps

from anonymization.ner.model import load_model, numpy_blas_limited_to_one_thread

TEXTS = [
    "Seen today with her daughter Julie Marchand, who lives in Otley near Leeds.",
    "Referred by Dr Okonkwo-Bello from St James's University Hospital; works at Tesco.",
    "Lives alone at 14 Mill Lane, Ilkley. Son Tom visits on Sundays.",
    "BP 135/80, HR 72. Continue ramipril 5 mg. Review in 6 weeks.",
]


def _entities(nlp: object) -> list[list[tuple[int, int, str]]]:
    return [
        [(span.start_char, span.end_char, span.label_) for span in doc.ents]
        for doc in nlp.pipe(TEXTS)  # type: ignore[attr-defined]
    ]


def test_the_model_runs_on_numpy_blas_limited_to_one_thread() -> None:
    assert numpy_blas_limited_to_one_thread()
    nlp = load_model("en")
    layers = list(nlp.get_pipe("ner").model.walk())
    assert all(isinstance(layer.ops, NumpyOps) and not layer.ops.use_blis for layer in layers)


def test_the_model_finds_the_same_entities_with_numpy_blas_as_with_blis() -> None:
    numpy_blas = load_model("en")
    blis = load_model("en")
    for layer in blis.get_pipe("ner").model.walk():
        layer.ops = NumpyOps(use_blis=True)
    assert _entities(numpy_blas) == _entities(blis)
    assert any(_entities(numpy_blas))
