/**
 * Links that several roles share: the one outbound {@link dev.outpost.transport.Dialer} that every
 * link to the cloud uses (endpoints × ports in order, TLS on every port, an optional HTTP CONNECT
 * proxy with Basic credentials, sticky routes, backoff with jitter) configured by
 * {@link dev.outpost.transport.DialerConfig}, and {@link dev.outpost.transport.VertxTls} for Vert.x
 * servers and clients. OkHttp is an implementation detail in {@code impl}; see
 * {@code transport/README.md} for the route order and the proxy behaviour. The two ends of a remote
 * session (end-to-end TLS 1.3 and stream multiplexing inside the relay pipe) are in
 * {@link dev.outpost.transport.session}.
 */
package dev.outpost.transport;
