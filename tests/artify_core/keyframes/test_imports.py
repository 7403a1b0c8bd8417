import subprocess
import sys


def test_keyframes_import_neither_prefect_nor_heavy_libraries():
    code = ("import sys, artify_core.keyframes; "
            "print(sorted(m for m in ('prefect', 'torch', 'sklearn', 'cv2') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
