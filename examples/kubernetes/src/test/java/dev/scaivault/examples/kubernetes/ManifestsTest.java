package dev.scaivault.examples.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ManifestsTest {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final Set<String> OFFICIAL_ENV = Set.of(
            "SCAIVAULT_URL",
            "SCAIVAULT_TOKEN",
            "SCAIVAULT_TOKEN_FILE",
            "SCAIVAULT_TENANT_ID",
            "SCAIVAULT_PARTNER_ID",
            "SCAIKEY_CLIENT_ID",
            "SCAIKEY_CLIENT_SECRET",
            "SECRETS");

    static Stream<Path> manifests() throws IOException {
        return Files.walk(Path.of("."))
                .filter(p -> p.toString().endsWith(".yaml"))
                .filter(p -> !p.toString().contains("target"))
                .sorted();
    }

    static List<JsonNode> documents(Path p) throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(p.toFile())) {
            while (it.hasNext()) {
                docs.add(it.next());
            }
        }
        return docs;
    }

    @ParameterizedTest
    @MethodSource("manifests")
    void everyDocumentIsAKubernetesObjectAndEveryReadPathIsMounted(Path p) throws IOException {
        List<JsonNode> docs = documents(p);
        assertThat(docs).isNotEmpty();
        for (JsonNode d : docs) {
            assertThat(d.path("apiVersion").asText()).as(p + " apiVersion").isNotEmpty();
            assertThat(d.path("kind").asText()).as(p + " kind").isNotEmpty();
            assertThat(d.path("metadata").path("name").asText()).as(p + " name").isNotEmpty();
            if (!d.path("kind").asText().equals("Deployment")) {
                continue;
            }
            JsonNode pod = d.path("spec").path("template").path("spec");
            Set<String> volumes = new java.util.HashSet<>();
            pod.path("volumes").forEach(v -> volumes.add(v.path("name").asText()));
            List<JsonNode> containers = new ArrayList<>();
            pod.path("initContainers").forEach(containers::add);
            pod.path("containers").forEach(containers::add);
            for (JsonNode c : containers) {
                List<String> mounts = new ArrayList<>();
                for (JsonNode m : c.path("volumeMounts")) {
                    assertThat(volumes)
                            .as(p + ": mount of " + m.path("name"))
                            .contains(m.path("name").asText());
                    mounts.add(m.path("mountPath").asText());
                }
                for (JsonNode e : c.path("env")) {
                    String name = e.path("name").asText();
                    String value = e.path("value").asText();
                    assertThat(name.startsWith("SCAIVAULT_DATASOURCE_")
                                    || name.startsWith("SCAIVAULT_SIGHUP_")
                                    || name.startsWith("SPRING_")
                                    || OFFICIAL_ENV.contains(name))
                            .as(p + ": env " + name)
                            .isTrue();
                    if (value.startsWith("/") && (name.endsWith("_FILE") || name.endsWith("_PATH"))) {
                        assertThat(mounts.stream().anyMatch(value::startsWith))
                                .as(p + ": " + name + "=" + value + " is on a mounted volume of " + c.path("name"))
                                .isTrue();
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("manifests")
    void projectedTokensAreMintedForScaiVaultsAudience(Path p) throws IOException {
        for (JsonNode d : documents(p)) {
            for (JsonNode v : d.path("spec").path("template").path("spec").path("volumes")) {
                for (JsonNode s : v.path("projected").path("sources")) {
                    if (s.has("serviceAccountToken")) {
                        assertThat(s.path("serviceAccountToken")
                                        .path("audience")
                                        .asText())
                                .as(p + ": projected token audience")
                                .isEqualTo("scaivault");
                    }
                }
            }
        }
    }
}
