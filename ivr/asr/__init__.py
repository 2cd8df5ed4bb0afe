"""Spoken answers decoded on our own servers with Vosk (vosk-model-small-cn-0.22, Mandarin)."""
