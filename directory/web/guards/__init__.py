"""What protects the forms and sign-in: CSRF tokens, rate limits, the bound on password checks."""
