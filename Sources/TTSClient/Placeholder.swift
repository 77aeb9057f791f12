import TTSAPI
