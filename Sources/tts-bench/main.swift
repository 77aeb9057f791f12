print("tts-bench: placeholder")
