/**
 * Outpost's key material on Bouncy Castle and the JDK: machine key pairs
 * ({@link dev.outpost.crypto.MachineKeys}), PEM files ({@link dev.outpost.crypto.Pem}), the
 * organisation's CA ({@link dev.outpost.crypto.CertificateAuthority}), a machine's TLS files
 * ({@link dev.outpost.crypto.TlsFiles}) and password hashes ({@link dev.outpost.crypto.PasswordHash}).
 * Bouncy Castle types never appear in this API; every failure is a
 * {@link dev.outpost.crypto.CryptoException} with a readable message. See {@code crypto/README.md}
 * for every algorithm, key size and lifetime, and why.
 */
package dev.outpost.crypto;
