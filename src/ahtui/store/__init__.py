"""Storage: the encrypted SQLCipher site file, its keyring, migrations, audit and services.

Everything that writes SQL lives here; screens and the CLI call these functions.
"""
