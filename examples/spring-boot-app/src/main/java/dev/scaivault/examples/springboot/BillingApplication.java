package dev.scaivault.examples.springboot;

import dev.scaivault.ScaiVault;

import java.util.Map;
import javax.sql.DataSource;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * An ordinary Boot service. Nothing in its code knows about ScaiVault: the starter binds Boot's
 * {@code HikariDataSource} to a dynamic lease before the pool opens its first connection, and moves it to
 * each new lease while the service runs. {@code GET /whoami} shows the database role in use, which changes
 * with every lease.
 */
@SpringBootApplication
@RestController
public class BillingApplication {
    private final JdbcTemplate jdbc;

    public BillingApplication(DataSource dataSource) {
        this.jdbc = new JdbcTemplate(dataSource);
    }

    public static void main(String[] args) {
        SpringApplication.run(BillingApplication.class, args);
    }

    @GetMapping("/whoami")
    public Map<String, Object> whoami() {
        return Map.of("databaseUser", jdbc.queryForObject("SELECT current_user", String.class));
    }
}
