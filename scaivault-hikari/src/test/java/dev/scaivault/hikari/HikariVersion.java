package dev.scaivault.hikari;

import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** The HikariCP version on the class path, read from the jar that holds {@code HikariDataSource}. */
final class HikariVersion {
    private HikariVersion() {}

    static String onClassPath() {
        // HikariCP's manifest has no Implementation-Version; its Maven metadata is in every release jar.
        try (InputStream in =
                HikariDataSource.class.getResourceAsStream("/META-INF/maven/com.zaxxer/HikariCP/pom.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int major() {
        return Integer.parseInt(onClassPath().split("\\.")[0]);
    }
}
