"""Reading motion recordings: one :class:`~dystonia.motion.recording.Recording` from any file.

Formats
-------
``csv``
    Contract CSV: ``time`` (s), ``acc_x, acc_y, acc_z`` (g) and/or ``gyro_x, gyro_y, gyro_z``
    (deg/s); other columns ignored and listed.
``parquet``
    The same columns in Parquet, streamed by row group.
``cwa``
    Axivity AX3 (accelerometer) and AX6 (accelerometer + gyroscope), packed and unpacked.
``bin``
    GENEActiv binary (hex text pages), calibrated with the file's gain and offset.
``cloudupdrs``
    CloudUPDRS smartphone tremor-task CSV (timestamp ns, x, y, z in m/s^2, accuracy).

Public functions
----------------
:func:`read_recording`
    Read a whole file.
:func:`iter_recording`
    Stream it in time chunks with flat memory (week-long recordings).
:func:`detect_format`
    Which reader a file needs (from its content, checked against its extension).

Damaged device blocks are skipped and reported in ``metadata["skipped_blocks"]`` and the time
they leave uncovered in ``metadata["gaps"]``; nothing is ever filled in. See
``docs/motion/formats.md``.
"""

from dystonia.motion.io.detect import FORMATS, detect_format
from dystonia.motion.io.read import iter_recording, read_recording

__all__ = ["FORMATS", "detect_format", "iter_recording", "read_recording"]
