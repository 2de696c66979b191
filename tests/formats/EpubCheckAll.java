// EPUBCheck over several files in one JVM (its start-up is most of a run's time):
//   java -cp epubcheck.jar tests/formats/EpubCheckAll.java OUT_FOLDER FILE.epub ...
// writes OUT_FOLDER/<n>.json, EPUBCheck's JSON report of the n-th file; exits 1 if any has an
// error or a warning.
import com.adobe.epubcheck.tool.EpubChecker;

public class EpubCheckAll {
    public static void main(String[] args) {
        int status = 0;
        for (int i = 1; i < args.length; i++) {
            String json = args[0] + "/" + (i - 1) + ".json";
            int result = new EpubChecker().run(new String[] {"--failonwarnings", "--quiet", "--json", json, args[i]});
            status |= result;
        }
        System.exit(status == 0 ? 0 : 1);
    }
}
