package dev.scaivault.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The configuration processor's metadata documents every {@code scaivault.*} property. */
class MetadataTest {
    private static final Set<String> EXPECTED = Set.of(
            "scaivault.enabled",
            "scaivault.url",
            "scaivault.token",
            "scaivault.tenant",
            "scaivault.ca-bundle",
            "scaivault.connect-timeout",
            "scaivault.read-timeout",
            "scaivault.call-budget",
            "scaivault.kubernetes.enabled",
            "scaivault.kubernetes.token-file",
            "scaivault.kubernetes.role",
            "scaivault.kubernetes.audience",
            "scaivault.client-credentials.token-url",
            "scaivault.client-credentials.client-id",
            "scaivault.client-credentials.client-secret",
            "scaivault.client-credentials.scope",
            "scaivault.cache.ttl",
            "scaivault.cache.max-staleness",
            "scaivault.datasource.source",
            "scaivault.datasource.validate-before-apply",
            "scaivault.datasource.validation-timeout",
            "scaivault.datasource.max-drain-time",
            "scaivault.datasource.auth-failure-budget",
            "scaivault.datasource.start-without-credentials",
            "scaivault.datasource.dynamic.engine",
            "scaivault.datasource.dynamic.role",
            "scaivault.datasource.dynamic.ttl",
            "scaivault.datasource.dynamic.rotate-threshold",
            "scaivault.datasource.file.path",
            "scaivault.datasource.file.format",
            "scaivault.datasource.file.username-key",
            "scaivault.datasource.file.password-key",
            "scaivault.datasource.secret.path",
            "scaivault.datasource.secret.username-key",
            "scaivault.datasource.secret.password-key",
            "scaivault.datasource.fallback.path",
            "scaivault.datasource.fallback.format",
            "scaivault.datasource.fallback.username-key",
            "scaivault.datasource.fallback.password-key",
            "scaivault.sighup.enabled");

    @Test
    void everyPropertyIsListedWithADescription() throws Exception {
        JsonNode root = ours();
        Map<String, String> descriptions = new TreeMap<>();
        for (JsonNode p : root.get("properties")) {
            descriptions.put(
                    p.get("name").asText(),
                    p.has("description") ? p.get("description").asText() : "");
        }
        assertThat(descriptions.keySet()).containsExactlyInAnyOrderElementsOf(EXPECTED);
        descriptions.forEach((name, d) -> assertThat(d).as(name).isNotBlank());
        for (JsonNode g : root.get("groups")) {
            assertThat(g.get("name").asText()).startsWith("scaivault");
        }
    }

    /**
     * The metadata generated from {@link ScaiVaultProperties} (in scaivault-spring-boot-common, which every
     * starter line brings), found among the class path's metadata files as an IDE finds it: Boot's own jars
     * carry files of the same name.
     */
    private static JsonNode ours() throws Exception {
        List<JsonNode> found = new ArrayList<>();
        Enumeration<URL> urls =
                MetadataTest.class.getClassLoader().getResources("META-INF/spring-configuration-metadata.json");
        for (URL url : Collections.list(urls)) {
            try (InputStream in = url.openStream()) {
                JsonNode root = new ObjectMapper().readTree(in);
                for (JsonNode g : root.path("groups")) {
                    if (g.path("name").asText().equals("scaivault")) {
                        found.add(root);
                        break;
                    }
                }
            }
        }
        assertThat(found).as("generated scaivault metadata on the class path").hasSize(1);
        return found.get(0);
    }
}
