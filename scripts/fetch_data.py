#!/usr/bin/env python3
"""Rebuild the GroupLens ML-100K files from the PyPI wheel recbole==1.2.1.

GroupLens' own zip is unreachable from our machines; recbole ships the full data set in its
atomic format. This script rewrites it into the original layout (u.data, u.item, u.user, u.genre,
u.occupation, u.info and the mku.sh splits) and checks the md5 sums of the files that can be
rebuilt byte for byte. A mismatch is an error: the evaluation figures depend on exact files.

Usage: fetch_data.py OUT_DIR [--wheel-cache DIR]
"""
import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile

WHEEL = "recbole==1.2.1"
PREFIX = "recbole/dataset_example/ml-100k/"
GENRES = ["unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime",
          "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery",
          "Romance", "Sci-Fi", "Thriller", "War", "Western"]
OCCUPATIONS = ["administrator", "artist", "doctor", "educator", "engineer", "entertainment",
               "executive", "healthcare", "homemaker", "lawyer", "librarian", "marketing", "none",
               "other", "programmer", "retired", "salesman", "scientist", "student", "technician",
               "writer"]
# md5 of the GroupLens originals (docs/EVALUATION.md).
EXPECTED_MD5 = {
    "u.data": "6e47046882bad158b0efbb84cd5cb987",
    "u.user": "1b53539edc13caad0282c8500608a319",
    "u1.base": "4325f44281c9f8c119a3694662d63fc2",
    "u1.test": "62d5d837e7c8e36550cc956b09c2ecc8",
    "u2.test": "1951a71b7e1f4ed254508007fa2f6b70",
    "ua.test": "52e5d0355092dc1596899855b220508f",
}
ALL_FILES = ["u.data", "u.item", "u.user", "u.genre", "u.occupation", "u.info"] + \
    [f"u{k}.{s}" for k in range(1, 6) for s in ("base", "test")] + \
    [f"u{x}.{s}" for x in "ab" for s in ("base", "test")]


def fail(message):
    print(f"fetch-data: error: {message}", file=sys.stderr)
    sys.exit(1)


def download_wheel(cache):
    os.makedirs(cache, exist_ok=True)
    found = [f for f in os.listdir(cache) if f.startswith("recbole-1.2.1") and f.endswith(".whl")]
    if not found:
        print(f"fetch-data: downloading the {WHEEL} wheel from PyPI")
        result = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps",
                                 "--quiet", "-d", cache, WHEEL])
        if result.returncode != 0:
            fail(f"pip could not download {WHEEL}")
        found = [f for f in os.listdir(cache) if f.startswith("recbole-1.2.1")]
    return os.path.join(cache, found[0])


def read_atomic(wheel, name):
    """Rows of a recbole atomic file, header dropped."""
    with zipfile.ZipFile(wheel) as z:
        text = z.read(PREFIX + name).decode("utf-8")
    lines = text.split("\n")
    return [line.split("\t") for line in lines[1:] if line != ""]


def sort_key(line):
    user, item = line.split("\t")[:2]
    return int(user), int(item)


def write(out, name, lines, encoding="ascii"):
    with open(os.path.join(out, name), "wb") as f:
        f.write("".join(line + "\n" for line in lines).encode(encoding))


def rebuild(wheel, out):
    inter = read_atomic(wheel, "ml-100k.inter")
    data = [f"{u}\t{i}\t{r}\t{t}" for u, i, r, t in inter]
    if len(data) != 100_000:
        fail(f"expected 100000 ratings in the wheel, found {len(data)}")
    write(out, "u.data", data)

    items = []
    for item_id, title, year, classes in read_atomic(wheel, "ml-100k.item"):
        if item_id == "267":  # the original has no title or year for it, only "unknown"
            full_title = "unknown"
        else:
            full_title = f"{title} ({year})"
        flags = ["1" if g in classes.split(" ") else "0" for g in GENRES]
        items.append("|".join([item_id, full_title, "", "", ""] + flags))
    write(out, "u.item", items, encoding="iso-8859-1")

    users = ["|".join(row) for row in read_atomic(wheel, "ml-100k.user")]
    write(out, "u.user", users)
    write(out, "u.genre", [f"{g}|{k}" for k, g in enumerate(GENRES)] + [""])
    write(out, "u.occupation", OCCUPATIONS)
    write(out, "u.info", [f"{len(users)} users", f"{len(items)} items", f"{len(data)} ratings"])

    # GroupLens' mku.sh: five disjoint 20% test folds in file order, then per-user first-10 splits.
    for k in range(1, 6):
        test = data[(k - 1) * 20000:k * 20000]
        base = data[:(k - 1) * 20000] + data[k * 20000:]
        write(out, f"u{k}.test", sorted(test, key=sort_key))
        write(out, f"u{k}.base", sorted(base, key=sort_key))
    for name, first, last in (("ua", 1, 10), ("ub", 11, 20)):
        seen, test, base = {}, [], []
        for line in data:
            user = line.split("\t")[0]
            seen[user] = seen.get(user, 0) + 1
            (test if first <= seen[user] <= last else base).append(line)
        write(out, f"{name}.test", sorted(test, key=sort_key))
        write(out, f"{name}.base", sorted(base, key=sort_key))


def md5(path):
    with open(path, "rb") as f:
        return hashlib.md5(f.read()).hexdigest()


def verify(out):
    for name in ALL_FILES:
        if not os.path.isfile(os.path.join(out, name)):
            return f"{name} is missing"
    for name, expected in EXPECTED_MD5.items():
        got = md5(os.path.join(out, name))
        if got != expected:
            return f"{name} has md5 {got}, expected {expected}"
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--wheel-cache", default=os.path.join(tempfile.gettempdir(), "filmspace-wheel"))
    args = parser.parse_args()
    if verify(args.out) is None:
        print(f"fetch-data: {args.out} already holds verified ML-100K files")
        return
    wheel = download_wheel(args.wheel_cache)
    tmp = args.out.rstrip("/") + ".partial"
    os.makedirs(tmp, exist_ok=True)
    rebuild(wheel, tmp)
    problem = verify(tmp)
    if problem:
        fail(f"rebuilt data does not match the GroupLens originals: {problem}")
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    if os.path.isdir(args.out):
        for name in os.listdir(args.out):
            os.remove(os.path.join(args.out, name))
        os.rmdir(args.out)
    os.rename(tmp, args.out)
    print(f"fetch-data: wrote {len(ALL_FILES)} files to {args.out}, md5 sums verified")


if __name__ == "__main__":
    main()
