package dev.scaivault.examples.rotationdemo;

import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/** What the figures were taken on (they mean little without it), and the pool and PostgreSQL they ran. */
final class Machine {
    private final dev.scaivault.testkit.Machine machine = new dev.scaivault.testkit.Machine();
    private volatile String postgres = "unknown";
    private volatile String pool = "hikari";

    void postgres(String version) {
        this.postgres = version;
    }

    void pool(String kind) {
        this.pool = kind;
    }

    void finished() {
        machine.finished();
    }

    Map<String, Object> facts() {
        Map<String, Object> m = machine.facts();
        m.put("pool", poolVersion());
        m.put("hikaricp", hikariVersion());
        m.put("postgresql", postgres);
        return m;
    }

    String oneLine() {
        return String.format(
                Locale.ROOT,
                "%s: %d cores, load average %s at start, %s at end; %s; %s; %s; PostgreSQL %s",
                machine.startedAt(),
                Runtime.getRuntime().availableProcessors(),
                machine.loadAtStart(),
                machine.loadAtEnd(),
                dev.scaivault.testkit.Machine.jdk(),
                System.getProperty("os.name") + " " + System.getProperty("os.arch"),
                poolVersion(),
                postgres);
    }

    /** The pool that ran; a version where its jar names one that survives the demo's shading (pom.properties). */
    private String poolVersion() {
        return switch (pool) {
            case "tomcat" -> "Tomcat JDBC";
            case "dbcp2" ->
                "Commons DBCP2 "
                        + mavenVersion(
                                org.apache.commons.dbcp2.BasicDataSource.class, "org.apache.commons", "commons-dbcp2");
            case "ucp" -> "Oracle UCP";
            case "plain" -> "no pool (CredentialDataSource)";
            default -> "HikariCP " + hikariVersion();
        };
    }

    private static String mavenVersion(Class<?> anchor, String groupId, String artifactId) {
        try (InputStream in =
                anchor.getResourceAsStream("/META-INF/maven/" + groupId + "/" + artifactId + "/pom.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                return p.getProperty("version", "unknown");
            }
        } catch (IOException e) {
            // Fall through.
        }
        return "unknown";
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
