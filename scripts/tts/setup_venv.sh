#!/bin/sh
# Makes the TTS venv outside the repository (default /work/tts-venv; first argument to change it).
set -e
VENV="${1:-/work/tts-venv}"
python3.11 -m venv "$VENV"
"$VENV/bin/pip" install -q -r "$(dirname "$0")/requirements.txt"
echo "TTS venv ready: $VENV/bin/python scripts/tts/make_corpus.py working"
