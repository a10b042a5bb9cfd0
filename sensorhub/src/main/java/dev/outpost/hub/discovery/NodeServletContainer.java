package dev.outpost.hub.discovery;

import java.io.IOException;
import java.util.concurrent.ExecutorService;
import javax.servlet.Servlet;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.servlet.ServletContextHandler;
import org.eclipse.jetty.servlet.ServletHolder;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.jupnp.transport.spi.ServletContainerAdapter;

/**
 * One small Jetty server per node for the device descriptions. jUPnP's own
 * {@code JettyServletContainer.INSTANCE} is a JVM-wide singleton that keeps the first node's servlet,
 * so a second UPnP service in the same process would serve nothing; with one container per node every
 * node serves its own devices. Binds exactly the addresses jUPnP asks for; with port 0 the kernel picks
 * a free port and that concrete port is returned to jUPnP, which puts it in every LOCATION.
 */
final class NodeServletContainer implements ServletContainerAdapter {
  private Server server;

  NodeServletContainer() {
    server = newServer();
  }

  private static Server newServer() {
    QueuedThreadPool pool = new QueuedThreadPool(8, 2, 30_000);
    pool.setName("outpost-upnp-http");
    pool.setDaemon(true);
    return new Server(pool);
  }

  @Override
  public synchronized void setExecutorService(ExecutorService executorService) {
    // Jetty keeps its own small pool
  }

  @Override
  public synchronized int addConnector(String host, int port) throws IOException {
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setSendXPoweredBy(false);
    http.setRequestHeaderSize(8 * 1024);
    ServerConnector connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
    connector.setHost(host);
    connector.setPort(Math.max(port, 0));
    connector.setIdleTimeout(10_000);
    connector.open();
    server.addConnector(connector);
    if (server.isStarted()) {
      try {
        connector.start();
      } catch (Exception e) {
        throw new IOException("cannot start the HTTP connector on " + host + ":" + port, e);
      }
    }
    int bound = connector.getLocalPort();
    if (bound <= 0) {
      throw new IOException("the HTTP connector on " + host + " has no port");
    }
    return bound;
  }

  @Override
  public synchronized void registerServlet(String contextPath, Servlet servlet) {
    if (server.getHandler() != null) {
      return;
    }
    ServletContextHandler handler = new ServletContextHandler(ServletContextHandler.NO_SESSIONS);
    if (contextPath != null && !contextPath.isEmpty()) {
      handler.setContextPath(contextPath);
    }
    handler.addServlet(new ServletHolder(new DescriptionsOnly(servlet)), "/*");
    server.setHandler(handler);
  }

  /**
   * Lets only description fetches reach jUPnP: GET of {@code /dev/...} with a short URI. Our devices have no
   * services, so control (POST) and eventing (SUBSCRIBE, NOTIFY) requests have nothing to reach anyway.
   */
  static final class DescriptionsOnly extends javax.servlet.http.HttpServlet {
    private static final long serialVersionUID = 1L;
    private final transient Servlet upnp;

    DescriptionsOnly(Servlet upnp) {
      this.upnp = upnp;
    }

    @Override
    public void init(javax.servlet.ServletConfig config) throws javax.servlet.ServletException {
      super.init(config);
      upnp.init(config);
    }

    @Override
    protected void service(javax.servlet.http.HttpServletRequest req, javax.servlet.http.HttpServletResponse resp)
        throws javax.servlet.ServletException, IOException {
      String uri = req.getRequestURI();
      if (!"GET".equals(req.getMethod())) {
        resp.sendError(405);
        return;
      }
      if (uri == null || uri.length() > 256 || !uri.startsWith("/dev/") || req.getQueryString() != null) {
        resp.sendError(404);
        return;
      }
      upnp.service(req, resp);
    }

    @Override
    public void destroy() {
      upnp.destroy();
      super.destroy();
    }
  }

  @Override
  public synchronized void startIfNotRunning() {
    if (!server.isStarted() && !server.isStarting()) {
      try {
        server.start();
      } catch (Exception e) {
        throw new IllegalStateException("cannot start the UPnP description server: " + e, e);
      }
    }
  }

  @Override
  public synchronized void stopIfRunning() {
    if (!server.isStopped() && !server.isStopping()) {
      try {
        server.stop();
      } catch (Exception e) {
        SsdpGuard.LOG.debug("stopping the UPnP description server", e);
      } finally {
        server = newServer();
      }
    }
  }
}
