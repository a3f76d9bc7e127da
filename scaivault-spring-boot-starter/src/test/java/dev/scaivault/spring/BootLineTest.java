package dev.scaivault.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootVersion;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.annotation.Configurations;
import org.springframework.util.ClassUtils;

/** The suite runs on the Boot line and HikariCP its build says, and the starter is ordered for that line. */
class BootLineTest {
    @Test
    void theSuiteRunsOnTheBootLineAndHikariCpOfItsBuild() throws Exception {
        String line = System.getProperty("scaivault.test.boot-line");
        String hikari = System.getProperty("scaivault.test.hikaricp");
        assertThat(line)
                .as("scaivault.test.boot-line, set by the module's surefire configuration")
                .isNotBlank();
        System.out.printf("[boot-line] Spring Boot %s, HikariCP %s%n", SpringBootVersion.getVersion(), hikariVersion());
        assertThat(SpringBootVersion.getVersion()).startsWith(line + ".");
        assertThat(hikariVersion()).isEqualTo(hikari);
    }

    @Test
    void theStarterComesBeforeThisLinesDataSourceAutoConfiguration() throws Exception {
        assertThat(ClassUtils.isPresent(BootLine.DATASOURCE_AUTO_CONFIGURATION, null))
                .isTrue();
        Class<?> dataSource = Class.forName(BootLine.DATASOURCE_AUTO_CONFIGURATION);
        // Listed the other way round: Boot's sorter must put ours first because of its beforeName.
        List<Class<?>> order = Arrays.asList(Configurations.getClasses(AutoConfigurations.of(
                dataSource, ScaiVaultActuatorConfiguration.class, ScaiVaultAutoConfiguration.class)));
        assertThat(order.indexOf(ScaiVaultAutoConfiguration.class)).isLessThan(order.indexOf(dataSource));
        assertThat(order.indexOf(ScaiVaultAutoConfiguration.class))
                .isLessThan(order.indexOf(ScaiVaultActuatorConfiguration.class));
    }

    private static String hikariVersion() throws Exception {
        try (InputStream in =
                HikariDataSource.class.getResourceAsStream("/META-INF/maven/com.zaxxer/HikariCP/pom.properties")) {
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version");
        }
    }
}
