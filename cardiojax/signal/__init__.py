"""Classic ECG signal processing: lead algebra, filters, QRS detection, features."""
