import TTSAPI
import Hummingbird
