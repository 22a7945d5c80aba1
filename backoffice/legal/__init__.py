"""Pages every deployment must publish (accessibility statement and scheme, legal notice,
personal data) and the personal-data rights of the people whose data the product holds."""
