/**
 * Outpost's key material on Bouncy Castle and the JDK: machine key pairs and their fingerprints
 * ({@link dev.outpost.crypto.MachineKeys}), PEM files ({@link dev.outpost.crypto.Pem}), the
 * organisation's CA ({@link dev.outpost.crypto.CertificateAuthority}), certificate signing requests
 * ({@link dev.outpost.crypto.SigningRequest}), checks of peers' certificates
 * ({@link dev.outpost.crypto.MachineCertificates}, {@link dev.outpost.crypto.PeerIdentity}), a
 * machine's TLS files ({@link dev.outpost.crypto.TlsFiles}), secrets sealed to one machine's key
 * ({@link dev.outpost.crypto.SealedSecret}) and password hashes ({@link dev.outpost.crypto.PasswordHash}).
 * Bouncy Castle types never appear in this API; every failure is a
 * {@link dev.outpost.crypto.CryptoException} with a readable message. See {@code crypto/README.md}
 * for every algorithm, key size and lifetime, and why.
 */
package dev.outpost.crypto;
