#!/usr/bin/env python3
"""Writes transactions.jsonl and transactions.csv: the same card transactions, as a JSON topic of its own
shape and as a backtest CSV with text columns. Deterministic (seed 7). Fraud is more likely at travel
merchants, with the card not present, and in Italy; the rest is noise. Run from this directory: python3 generate.py"""
import json
import random
from datetime import datetime, timedelta, timezone

random.seed(7)
accounts = ["acct-%d" % i for i in range(4)]
categories = ["grocery", "fuel", "travel", "electronics"]
countries = ["FR", "DE", "IT"]
t0 = datetime(2024, 3, 1, tzinfo=timezone.utc)
rows = []
for i in range(1200):
    account = random.choice(accounts)
    t = t0 + timedelta(seconds=37 * i)
    category = random.choice(categories)
    country = random.choice(countries)
    present = random.random() < 0.6
    amount = round(random.lognormvariate(3.5, 1.0), 2)
    risk = 0.03 + (0.6 if category == "travel" else 0.0) + (0.25 if not present else 0.0) + (0.1 if country == "IT" else 0.0)
    fraud = random.random() < risk
    rows.append((account, t, category, country, present, amount, fraud, i))

with open("transactions.jsonl", "w") as f:
    for account, t, category, country, present, amount, fraud, i in rows:
        f.write(json.dumps({
            "tx_id": "tx-%05d" % i,
            "occurred_at": t.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "account": {"id": account, "since": 2015 + (i * 7) % 9},
            "amount": amount,
            "merchant": {"category": category, "country": country},
            "card": {"present": present},
            "device": None if present else {"os": random.choice(["ios", "android"])},
            "outcome": "fraud" if fraud else "ok",
        }, separators=(",", ":")) + "\n")

with open("transactions.csv", "w") as f:
    f.write("key,ts,label,amount,card.present,merchant.category,merchant.country\n")
    for account, t, category, country, present, amount, fraud, i in rows:
        f.write("%s,%s,%d,%s,%d,%s,%s\n" % (account, t.strftime("%Y-%m-%dT%H:%M:%SZ"), 1 if fraud else 0, amount,
                                          1 if present else 0, category, country))
