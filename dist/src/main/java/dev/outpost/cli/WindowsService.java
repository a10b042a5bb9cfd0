package dev.outpost.cli;

import java.io.StringWriter;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.TransformerException;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * The service definition of a Windows hub for WinSW 2.x (the wrapper that runs a program as a
 * Windows service): {@code outpost-hub.xml} next to {@code outpost-hub.exe} (WinSW renamed).
 * {@code %BASE%} is WinSW's name for that folder. Like the Linux unit: its own low-privilege
 * account, restart on failure, a clean stop (Ctrl+C, then 30 s), logs that roll by size.
 *
 * @param java   the Java 17+ executable ({@code java} finds it on the PATH)
 * @param jar    outpost.jar
 * @param config the hub's config file
 * @param logDir where WinSW writes the service's output, rolled by size
 */
record WindowsService(String java, String jar, String config, String logDir) {
  static final String ID = "outpost-hub";
  /** Roll the log at this size (WinSW counts KB). */
  static final int LOG_SIZE_KB = 10 * 1024;
  static final int LOG_FILES_KEPT = 8;

  /** The arguments WinSW passes to Java, paths quoted. */
  String arguments() {
    return "-jar \"" + jar + "\" hub --config \"" + config + "\"";
  }

  /** The definition as XML text. */
  String xml() {
    try {
      var factory = DocumentBuilderFactory.newInstance();
      Document doc = factory.newDocumentBuilder().newDocument();
      Element service = doc.createElement("service");
      doc.appendChild(service);
      add(service, "id", ID);
      add(service, "name", "Outpost hub");
      add(service, "description", "Outpost sensor hub: measures this machine and sends to the site's connector.");
      add(service, "executable", java);
      add(service, "arguments", arguments());
      add(service, "workingdirectory", "%BASE%");
      Element account = add(service, "serviceaccount", null);
      add(account, "domain", "NT AUTHORITY");
      add(account, "user", "LocalService");
      add(service, "startmode", "Automatic");
      add(service, "delayedAutoStart", "true");
      for (String delay : new String[] {"10 sec", "60 sec"}) {
        Element restart = add(service, "onfailure", null);
        restart.setAttribute("action", "restart");
        restart.setAttribute("delay", delay);
      }
      add(service, "resetfailure", "1 hour");
      add(service, "stoptimeout", "30 sec");
      add(service, "logpath", logDir);
      Element log = add(service, "log", null);
      log.setAttribute("mode", "roll-by-size");
      add(log, "sizeThreshold", Integer.toString(LOG_SIZE_KB));
      add(log, "keepFiles", Integer.toString(LOG_FILES_KEPT));

      var transformers = TransformerFactory.newInstance();
      transformers.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
      transformers.setAttribute(XMLConstants.ACCESS_EXTERNAL_STYLESHEET, "");
      var transformer = transformers.newTransformer();
      transformer.setOutputProperty(OutputKeys.INDENT, "yes");
      transformer.setOutputProperty("{http://xml.apache.org/xslt}indent-amount", "2");
      transformer.setOutputProperty(OutputKeys.ENCODING, "UTF-8");
      var text = new StringWriter();
      transformer.transform(new DOMSource(doc), new StreamResult(text));
      return text.toString();
    } catch (ParserConfigurationException | TransformerException e) {
      throw new IllegalStateException("cannot write the service definition", e);
    }
  }

  private static Element add(Element parent, String name, String text) {
    Element element = parent.getOwnerDocument().createElement(name);
    if (text != null) {
      element.setTextContent(text);
    }
    parent.appendChild(element);
    return element;
  }
}
