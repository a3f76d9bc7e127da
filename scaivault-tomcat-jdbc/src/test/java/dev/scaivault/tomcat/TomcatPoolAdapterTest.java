package dev.scaivault.tomcat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scaivault.pool.PoolBinding;
import dev.scaivault.pool.load.ManualCredentialSource;
import dev.scaivault.source.Credentials;
import java.util.concurrent.TimeUnit;
import org.apache.tomcat.jdbc.pool.DataSource;
import org.apache.tomcat.jdbc.pool.PoolProperties;
import org.junit.jupiter.api.Test;
import org.postgresql.xa.PGXADataSource;

class TomcatPoolAdapterTest {

    @Test
    void bindingAPoolThatHasNotStartedRoutesItsLoginsWithoutStartingIt() throws Exception {
        DataSource ds = unstartedPool("routed");
        try (var source = new ManualCredentialSource(Credentials.of("app", "pw-1", "v1"));
                var binding = PoolBinding.bind(ds, source)) {
            assertThat(ds.getPoolProperties().getDataSource().toString()).startsWith("ScaiVaultBridgingDataSource{");
            assertThat(ds.getUsername()).isEqualTo("app");
            assertThat(new TomcatPoolAdapter(ds).started()).isFalse();

            source.publishNext(Credentials.of("app2", "pw-2", "v2")).get(5, TimeUnit.SECONDS);

            assertThat(ds.getUsername()).isEqualTo("app2");
            assertThat(binding.metrics().rotations()).isEqualTo(1);
            assertThat(binding.metrics().mechanism()).isEqualTo("USERNAME_AND_PASSWORD");
            assertThat(binding.toString()).contains("tomcat-jdbc").doesNotContain("pw-");
            assertThat(new TomcatPoolAdapter(ds).started()).isFalse();
        } finally {
            ds.close(true);
        }
    }

    @Test
    void anXaDataSourceIsNotReplacedByAPlainOne() {
        PoolProperties p = new PoolProperties();
        p.setDataSource(new PGXADataSource());
        DataSource ds = new DataSource(p);
        try {
            assertThat(new TomcatPoolAdapter(ds).physical()).isNull();
        } finally {
            ds.close(true);
        }
    }

    private static DataSource unstartedPool(String name) {
        PoolProperties p = new PoolProperties();
        p.setUrl("jdbc:postgresql://127.0.0.1:1/none");
        p.setDriverClassName("org.postgresql.Driver");
        p.setName(name);
        p.setInitialSize(0);
        return new DataSource(p);
    }
}
