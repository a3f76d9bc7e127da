package dev.scaivault.examples.rotationdemo;

import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/** What the figures were taken on (they mean little without it), and the HikariCP and PostgreSQL they ran. */
final class Machine {
    private final dev.scaivault.testkit.Machine machine = new dev.scaivault.testkit.Machine();
    private volatile String postgres = "unknown";

    void postgres(String version) {
        this.postgres = version;
    }

    void finished() {
        machine.finished();
    }

    Map<String, Object> facts() {
        Map<String, Object> m = machine.facts();
        m.put("hikaricp", hikariVersion());
        m.put("postgresql", postgres);
        return m;
    }

    String oneLine() {
        return String.format(
                Locale.ROOT,
                "%s: %d cores, load average %s at start, %s at end; %s; %s; HikariCP %s; PostgreSQL %s",
                machine.startedAt(),
                Runtime.getRuntime().availableProcessors(),
                machine.loadAtStart(),
                machine.loadAtEnd(),
                dev.scaivault.testkit.Machine.jdk(),
                System.getProperty("os.name") + " " + System.getProperty("os.arch"),
                hikariVersion(),
                postgres);
    }

    private static String hikariVersion() {
        try (InputStream in =
                HikariDataSource.class.getResourceAsStream("/META-INF/maven/com.zaxxer/HikariCP/pom.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                return p.getProperty("version", "unknown");
            }
        } catch (IOException e) {
            // Fall through.
        }
        String v = HikariDataSource.class.getPackage().getImplementationVersion();
        return v != null ? v : "unknown";
    }
}
