"""English is the language the messages are written in: its catalogue takes each msgid as it is, so
that the completeness test treats English like every other shipped language."""

import sys

import polib


def main(path: str) -> int:
    po = polib.pofile(path)
    filled = 0
    for entry in po:
        if entry.obsolete or entry.translated():
            continue
        if entry.msgid_plural:
            entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
        else:
            entry.msgstr = entry.msgid
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        filled += 1
    po.metadata["Language"] = "en"
    po.metadata["Plural-Forms"] = "nplurals=2; plural=(n != 1);"
    po.save()
    print(f"{path}: {filled} messages taken from the source")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
