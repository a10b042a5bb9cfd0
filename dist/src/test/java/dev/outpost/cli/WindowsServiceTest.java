package dev.outpost.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/** The WinSW definition of a Windows hub: well-formed, and it runs the hub the way the docs say. */
class WindowsServiceTest {
  private static Document parse(String xml) throws Exception {
    var factory = DocumentBuilderFactory.newInstance();
    factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
    return factory.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
  }

  private static String text(Document doc, String element) {
    var nodes = doc.getElementsByTagName(element);
    assertEquals(1, nodes.getLength(), element);
    return nodes.item(0).getTextContent();
  }

  @Test
  void theDefinitionRunsTheHubJarWithItsConfigAndRollsItsLogs() throws Exception {
    var cli = Main.commandLine();
    var out = System.out;
    var captured = new java.io.ByteArrayOutputStream();
    System.setOut(new java.io.PrintStream(captured, true, StandardCharsets.UTF_8));
    int exit;
    try {
      exit = cli.execute("hub", "windows-service");
    } finally {
      System.setOut(out);
    }
    assertEquals(0, exit);
    Document doc = parse(captured.toString(StandardCharsets.UTF_8));

    assertEquals("service", doc.getDocumentElement().getTagName());
    assertEquals("outpost-hub", text(doc, "id"));
    assertEquals("java", text(doc, "executable"));
    assertEquals("-jar \"%BASE%\\outpost.jar\" hub --config \"%BASE%\\hub.json\"", text(doc, "arguments"));
    assertEquals("Automatic", text(doc, "startmode"));
    assertEquals("NT AUTHORITY", text(doc, "domain"));
    assertEquals("LocalService", text(doc, "user"));
    assertEquals("%BASE%\\logs", text(doc, "logpath"));
    var log = (Element) doc.getElementsByTagName("log").item(0);
    assertEquals("roll-by-size", log.getAttribute("mode"));
    assertEquals("10240", text(doc, "sizeThreshold"));
    assertEquals("8", text(doc, "keepFiles"));
    var restart = (Element) doc.getElementsByTagName("onfailure").item(0);
    assertEquals("restart", restart.getAttribute("action"));
  }

  @Test
  void pathsWithXmlCharactersStayWellFormed() throws Exception {
    var service = new WindowsService("C:\\Java & Co\\bin\\java.exe", "D:\\<outpost>\\outpost.jar", "D:\\a'b\\hub.json", "D:\\logs");
    Document doc = parse(service.xml());
    assertEquals("C:\\Java & Co\\bin\\java.exe", text(doc, "executable"));
    assertEquals("-jar \"D:\\<outpost>\\outpost.jar\" hub --config \"D:\\a'b\\hub.json\"", text(doc, "arguments"));
  }
}
