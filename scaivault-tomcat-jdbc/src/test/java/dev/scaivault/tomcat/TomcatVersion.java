package dev.scaivault.tomcat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.util.jar.Manifest;
import org.apache.tomcat.jdbc.pool.DataSource;

/** The tomcat-jdbc version on the test class path, read from the jar that holds its {@code DataSource}. */
final class TomcatVersion {
    private TomcatVersion() {}

    static String onClassPath() {
        // tomcat-jdbc's manifest has no Implementation-Version, but an OSGi Bundle-Version.
        URL classFile = DataSource.class.getResource("DataSource.class");
        if (classFile == null || !"jar".equals(classFile.getProtocol())) {
            return "unknown";
        }
        String jar = classFile.toString().substring(0, classFile.toString().indexOf('!') + 2);
        try (InputStream in = new URL(jar + "META-INF/MANIFEST.MF").openStream()) {
            String v = new Manifest(in).getMainAttributes().getValue("Bundle-Version");
            return v != null ? v : "unknown";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
