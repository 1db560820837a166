"""Data protection: who read which case (the access log), and subject access for the
partnership's information governance role (UK GDPR Articles 15, 16 and 18)."""
