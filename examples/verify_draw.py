"""Check a proforum-lottery-v2 draw record with the standard library only.

Usage: python verify_draw.py draw.json   (exit 0 and "valid", else the first problem)
Beacon randomness is taken as written: compare it with https://api.drand.sh/<chain>/public/<round>.
"""

import decimal
import hashlib
import json
import sys


def canon(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha(data):
    return hashlib.sha256(data).hexdigest()


def rank_key(entropy, meetup_id, entrant):
    digest = hashlib.sha256(
        entropy + b"\0" + meetup_id.encode() + b"\0" + entrant["id"].encode()
    ).digest()
    big = int.from_bytes(digest, "big")
    with decimal.localcontext() as ctx:
        ctx.prec = 80  # plenty: a key closer than 1e-50 to an integer has never been seen
        u = decimal.Decimal(big + 1) / decimal.Decimal(2**256)
        key = (-u.ln() * 2**64 / decimal.Decimal(entrant["weight"])).to_integral_value(
            decimal.ROUND_FLOOR
        )
    return int(key), -big, entrant["id"]


def need(ok, problem):
    if not ok:  # not `assert`: `python -O` would skip it
        raise ValueError(problem)


def check(r):
    quotas, cap = r["constraints"]["quotas"], r["constraints"]["company_cap"]
    seed = bytes.fromhex(r["seed"])
    need(r["algorithm"] == "proforum-lottery-v2", "not a v2 record")
    need(sha(seed) == r["seed_digest"], "seed does not match seed_digest")
    need(sha(canon(r["entrants"])) == r["applicants_digest"], "entrants do not match")
    fields = ("algorithm", "meetup_id", "seats", "applicants_digest", "constraints")
    published = {k: r[k] for k in fields} | {"seed_digest": r["seed_digest"], "beacon": r["beacon"]}
    need(sha(canon(published)) == r["commitment"], "commitment does not match")
    entropy = seed
    if r["beacon"] is not None:
        entropy = hashlib.sha256(seed + bytes.fromhex(r["beacon_randomness"])).digest()
    order = sorted(r["entrants"], key=lambda e: rank_key(entropy, r["meetup_id"], e))
    taken, counts, firms = [], [0] * len(quotas), {}

    def fits(e, reserve_rule):
        hits = [
            i for i, q in enumerate(quotas) if e["attributes"].get(q["attribute"]) == q["value"]
        ]
        if cap is not None and e["company"] is not None and firms.get(e["company"], 0) >= cap:
            return False
        if any(quotas[i]["max"] is not None and counts[i] >= quotas[i]["max"] for i in hits):
            return False
        after = [c + (i in hits) for i, c in enumerate(counts)]
        need = {}
        for i, q in enumerate(quotas):
            need[q["attribute"]] = need.get(q["attribute"], 0) + max(0, q["min"] - after[i])
        if reserve_rule and r["seats"] - len(taken) - 1 < max(need.values(), default=0):
            return False
        for i in hits:
            counts[i] += 1
        firms[e["company"]] = firms.get(e["company"], 0) + 1
        return True

    for reserve_rule in (True, False):
        for e in order:
            if len(taken) < r["seats"] and e["id"] not in taken and fits(e, reserve_rule):
                taken.append(e["id"])
    ids = [e["id"] for e in order]
    need([i for i in ids if i in taken] == r["selected"], "selected does not match")
    need([i for i in ids if i not in taken] == r["waitlist"], "waitlist does not match")
    short = [f"{q['attribute']}={q['value']}" for i, q in enumerate(quotas) if counts[i] < q["min"]]
    need(short == r["shortfalls"], "shortfalls do not match")


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as f:
        try:
            check(json.load(f))
        except (KeyError, TypeError, ValueError) as problem:
            sys.exit(f"invalid: {problem}")
    print("valid")
