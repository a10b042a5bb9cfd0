package dev.outpost.transport.session.impl;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** The named daemon threads of sessions: each session's own, and one timer shared by all sessions. */
final class SessionThreads {
  /** Keepalive, idle and close-grace timers of every session; its tasks only look at clocks and enqueue frames. */
  static final ScheduledExecutorService TIMER = timer();

  private SessionThreads() {}

  static Thread start(String name, Runnable task) {
    var thread = new Thread(task, name);
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  /** Threads for a session's streams (connects, pipes), named {@code prefix-N}, ended when idle for a minute. */
  static ExecutorService workers(String prefix) {
    return Executors.newCachedThreadPool(named(prefix));
  }

  private static ThreadFactory named(String prefix) {
    var count = new AtomicInteger();
    return task -> {
      var thread = new Thread(task, prefix + "-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  private static ScheduledExecutorService timer() {
    var timer = new ScheduledThreadPoolExecutor(1, named("outpost-session-timer"));
    timer.setRemoveOnCancelPolicy(true);
    return timer;
  }
}
