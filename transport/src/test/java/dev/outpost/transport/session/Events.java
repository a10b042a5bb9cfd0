package dev.outpost.transport.session;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

/** A listener that keeps everything it hears, as the audit would. */
final class Events implements SessionListener {
  final List<StreamEvent> opened = new CopyOnWriteArrayList<>();
  final List<StreamEvent> refused = new CopyOnWriteArrayList<>();
  final List<StreamEvent> closed = new CopyOnWriteArrayList<>();
  final AtomicReference<String> sessionClosed = new AtomicReference<>();

  @Override
  public void streamOpened(StreamEvent event) {
    opened.add(event);
  }

  @Override
  public void streamRefused(StreamEvent event) {
    refused.add(event);
  }

  @Override
  public void streamClosed(StreamEvent event) {
    closed.add(event);
  }

  @Override
  public void sessionClosed(String reason, long bytesSent, long bytesReceived) {
    sessionClosed.set(reason);
  }
}
