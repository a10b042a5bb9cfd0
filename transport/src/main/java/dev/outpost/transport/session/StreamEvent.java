package dev.outpost.transport.session;

/**
 * What happened to one stream, as seen from this end.
 *
 * @param stream the stream's number in its session
 * @param target {@code host:port} as the operator asked for it
 * @param bytesSent payload bytes this end sent on the stream so far
 * @param bytesReceived payload bytes this end received on the stream so far
 * @param reason why it was refused or ended; null for an opened stream
 */
public record StreamEvent(int stream, String target, long bytesSent, long bytesReceived, String reason) {}
