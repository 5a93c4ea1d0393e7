"""Prototype: train RelationEncoderNet on cached encoder vectors; dev relation/record F1 on gold entities."""
import argparse
import pickle
import random
import time
import numpy as np
import torch
import spacy
from spacy.tokens import Span
from relief_ner.extensions import Relation
from relief_ner.records import build_records
from relief_ner.scoring import PRF, record_set
from relief_ner.schema import MEASURE_LABELS, PARTY_LABELS
from relief_ner.pipeline.relation_encoder import RelationEncoderNet, pair_windows
from relief_ner.pipeline.relation_extractor import keep_best_and_coordinated

ap = argparse.ArgumentParser()
ap.add_argument("--epochs", type=int, default=12)
ap.add_argument("--lr", type=float, default=1e-3)
ap.add_argument("--width", type=int, default=128)
ap.add_argument("--hidden", type=int, default=128)
ap.add_argument("--dropout", type=float, default=0.2)
ap.add_argument("--window", type=int, default=160)
ap.add_argument("--batch", type=int, default=8)
ap.add_argument("--seed", type=int, default=0)
ap.add_argument("--cache", default="training/relation-cache/cache")
ap.add_argument("--save", default=None)
ap.add_argument("--eval-every", type=int, default=2)
ap.add_argument("--train-fraction", type=float, default=1.0)
args = ap.parse_args()
torch.manual_seed(args.seed); random.seed(args.seed); np.random.seed(args.seed)
torch.set_num_threads(1)
train = pickle.load(open(f"{args.cache}_train.pkl", "rb"))
dev = pickle.load(open(f"{args.cache}_dev.pkl", "rb"))
if args.train_fraction < 1:
    train = random.Random(0).sample(train, int(len(train) * args.train_fraction))

def pairs_of(d, max_distance=200):
    m = [e for e in d["ents"] if e[2] in MEASURE_LABELS]
    p = [e for e in d["ents"] if e[2] in PARTY_LABELS]
    s = d["sent"]
    return [(hs, he, ts, te) for hs, he, _ in m for ts, te, _ in p if s[hs] == s[ts] and abs(hs - ts) <= max_distance]

for d in train + dev:
    d["pairs"] = pairs_of(d)
    gold = set(d["rels"])
    d["y"] = np.array([[float((hs, ts, l) in gold) for l in ("PROVIDER", "RECIPIENT")] for hs, he, ts, te in d["pairs"]], dtype="float32").reshape(-1, 2)
print("train pairs", sum(len(d["pairs"]) for d in train), "pos", sum(d["y"].sum() for d in train))

net = RelationEncoderNet(train[0]["vec"].shape[1], args.width, args.hidden, 2, args.dropout)
opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=1e-4)

def batch_inputs(batch):
    w = pair_windows([d["ents"] for d in batch], [d["sent"] for d in batch], [d["pairs"] for d in batch], [len(d["vec"]) for d in batch], args.window)
    tokens = torch.from_numpy(np.concatenate([d["vec"] for d in batch]).astype("float32"))
    return tokens, torch.from_numpy(w.index), torch.from_numpy(w.roles), torch.from_numpy(w.to_head), torch.from_numpy(w.to_tail)

nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"@tokenizers": "spacy.zh.ChineseTokenizer", "segmenter": "char"}}})

def evaluate(docs, thr=0.4, list_thr=0.2):
    net.eval()
    rel, rec, rel_plain = PRF(), PRF(), PRF()
    with torch.no_grad():
        for i in range(0, len(docs), 16):
            batch = docs[i:i + 16]
            if not any(d["pairs"] for d in batch):
                continue
            probs = torch.sigmoid(net(*batch_inputs(batch))).numpy()
            row = 0
            for d in batch:
                doc = nlp.make_doc(d["text"])
                ents = {s: Span(doc, s, e, label=l) for s, e, l in d["ents"]}
                preds = []
                for (hs, he, ts, te) in d["pairs"]:
                    for j, l in enumerate(("PROVIDER", "RECIPIENT")):
                        if probs[row, j] >= list_thr:
                            preds.append(Relation(ents[hs], ents[ts], l, float(probs[row, j])))
                    row += 1
                kept = keep_best_and_coordinated(d["text"], preds, thr)
                gold_rels = [Relation(ents[h], ents[t], l, 1.0) for h, t, l in d["rels"]]
                gs = {(r.head.start, r.tail.start, r.label) for r in gold_rels}
                rel.add(gs, {(r.head.start, r.tail.start, r.label) for r in kept})
                rel_plain.add(gs, {(r.head.start, r.tail.start, r.label) for r in preds if r.score >= 0.5})
                rec.add(record_set(doc, build_records(doc, gold_rels)), record_set(doc, build_records(doc, kept)))
    net.train()
    return rel, rec, rel_plain

for epoch in range(args.epochs):
    t0 = time.time()
    order = list(train); random.shuffle(order)
    total = 0.0
    for i in range(0, len(order), args.batch):
        batch = [d for d in order[i:i + args.batch] if d["pairs"]]
        if not batch:
            continue
        logits = net(*batch_inputs(batch))
        y = torch.from_numpy(np.concatenate([d["y"] for d in batch]))
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, y)
        opt.zero_grad(); loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step(); total += float(loss.detach()) * len(batch)
    if epoch % args.eval_every != args.eval_every - 1:
        print(f"epoch {epoch} loss {total:.2f} {time.time()-t0:.0f}s", flush=True); continue
    rel, rec, plain = evaluate(dev)
    print(f"epoch {epoch} loss {total:.2f} {time.time()-t0:.0f}s dev rel {rel.f1:.3f} (p {rel.precision:.3f} r {rel.recall:.3f}) rec {rec.f1:.3f} plain@0.5 {plain.f1:.3f}", flush=True)

if args.save:
    torch.save(net.state_dict(), args.save + ".pt")
    net.eval()
    logits = []
    with torch.no_grad():
        for d in dev:
            if d["pairs"]:
                logits.append(net(*batch_inputs([d])).numpy())
            else:
                logits.append(np.zeros((0, 2), dtype="float32"))
    pickle.dump(logits, open(args.save + "_dev.pkl", "wb"))
