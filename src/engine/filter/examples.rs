//! Values that providers, tools and standards publish as examples, test vectors or
//! well-known development credentials: a scanned file holding one copied it from
//! documentation, and nothing it unlocks is private. Kept as SHA-256 digests, so that this
//! file holds no token-shaped text.

/// SHA-256 of the published values (exactly as written; hex keys in lower case without
/// `0x`).
const DOCUMENTED_EXAMPLES: &[&str] = &[
    // jwt.io's HS256 example token
    "7f75367e7881255134e1375e723d1dea8ad5f6a4fdb79d938df1f1754a830606",
    // Stripe's documentation test secret and publishable keys
    "2cafc0970149a84f3b9e62eaf169f36f59907a3b3e31f7b82e68c69cd27f7326",
    "b1471f544ceeea31333bde7e1ecbaad6eac0d4a749412ad29bd66ef895b81c6b",
    // Slack's documentation bot token
    "2ddc147f3a3b5a1722b8ed6be3c45c49a7156b17fca5d11410137a6d04def6eb",
    // Google Maps documentation API key
    "1021ad463a161d69de63ef74566407b9ed012deb6d9306a4bc7183544c84350c",
    // Mailgun documentation API key
    "9c846fdf0fa8955c377d0301542ee20ecd4585c5f359aa0a4cf15d44424f573d",
    // discord.py documentation bot token
    "02f7ce3c263f85c019eeeeea4b08f1b7f6ade2b7a2199c14f3efdac0eef382e1",
    // Telegram Bot API documentation tokens (`123456:ABC-DEF1234gh…`, `110201543:AAHdqTc…`)
    "731fa294d036e54f19df879bfcd4fe72d967dc6327800c5f74a48414a3f258c9",
    "0b5dd075ccdd03c42f4edda8e299e6838e2a75d3486a2a8d86940ed1541e9178",
    // Stripe's API reference test keys of earlier years (secret and publishable) and of its
    // quickstarts
    "f2d6ca16515033e5dce14eba840b979d27b5cbae24bb3e5bf484339667f86397",
    "5895b89c8fb33402a5bfc23aad5aaf863fbb438a51e1a0bb02b0ce618c8fdf9d",
    "7e8de44ea9ecf6d53415c90f5b249a8591f7abafbf7d65a2c0d855afeca3ec09",
    // PagerDuty's REST API authentication page (`Authorization: Token token=…`)
    "5d712ba728d81c07c91203d38482134aa2171ac4ca5e83be81a7d0cff79d014e",
    // Algolia's demo search key (application `latency`) used throughout its InstantSearch docs
    "f7e7896182dcde5db5a8b852a505f0487035ca8a1618d5591e6bb8f18523f581",
    // The root token and unseal key that Vault's getting-started tutorial shows
    // `vault server -dev` printing
    "0e4c7bc962440327a500d1e0d40f563cc5bbcaa92caa23373116a626791bdddb",
    "1c84b21892e91e7cfccbe514c83321effb6575137cdf562dfa764fde8bf9d86e",
    // The bearer token of Twitter's (X's) app-only authentication documentation
    "b390e2e57c227c0722bf8a283a4d3cb4dcf067da300d776b0b17797025b95824",
    // The worked example of X's (Twitter's) "Creating a signature" page for OAuth 1.0a:
    // consumer key and secret, access token and token secret
    "8e0628300c16fe3834b3b87d23e352618a27b0ca9973abd52cfc92abfc7667e3",
    "00b3dc640c9c99fcdbdab6f63d785248e4613fbaa65d63c56d97e54f987c3bab",
    "0e04efa6bc7d2d512fc108c5ba4215c42a7d4674301511c5d18f2e2885d45f35",
    "5aac38e542b76b97b3518c0293214d0b8aa11344e38518437f7dd44da0b521c3",
    // The protocol examples of OAuth 2.0 (RFC 6749: access, refresh and authorization-code
    // values, the client `s6BhdRkqt3`'s secret and Basic header) and of bearer tokens
    // (RFC 6750), which provider documentation copies
    "6c96130f130ab0d6d158397e24d2bcc1c9a5e73ae081f6e983f1c7b545d24a4c",
    "00cf4c781dc37003f7c7dd7d4c9a6ef1e0f4c62d9a291aa8bc398774e3fefd32",
    "a35b81a7d7927b70ec99270dd2362b88580a28574af812f2c02f56469579186f",
    "53f5da0aaa93d64cd5772c554cbf940f0539e689dddbeb8f923eec3f72c02ea9",
    "ca7459e2b26776de081b9a07e40227fd6cff232a1e3233ff6b6aa6d036ca9981",
    "3e545ee08a590a6bb0ef9b1b5df39c4a6b28a5ccf276d74ebf637743552ddd73",
    "9e309cccd311ea64d04133daf7760f71f38a566db7aa98b71e043ede9325680f",
    "b8e148545b13c78bc74da2f1a7275dd71e56ddece129d7d2f7b3ecc06f7994da",
    // OAuth 1.0's examples (RFC 5849: the printer and photos walk-through's client, temporary
    // and token credentials, the verifier, and the Authorization header examples)
    "293257ab6495ebb11cf9e4aee0686ca30df8de2ab8d251f2cbbcf177bdfcae91",
    "cb87c87e4a138d9a72259d2a01bab15623c9846e568c1509b287721645a6ea53",
    "4c20e6f5cc11b93731e74cbe20739821d61c3563c9f50ecb884a27cd369f01fb",
    "6aa14267d94944e6b6483c81f5ad37f87bbc7e88aa368d4aba1e71e0b79cd8c4",
    "bb9b1163338b2a51495834ad5c65420443d6327381cf0f94ebf92b117f209d72",
    "649e1f5c769e718ba10d1a702a36499a731441d960b06da91c4c97786bf84595",
    "5586407997f5e8492fa0d6d310460386c80cc3542de6c876f75582bc219d4b82",
    "80f8b7c904d4a43f3b7036db73247daafe15b3f647b337d19031ff67b7c1a177",
    "2ff8b0fb93aca981c78f1e94355c298c23435461f1072ef4674848e620371787",
    "8d567eb88afff34f31ab97fbb2731e582703bdeaf3c92b989cf568e0b23cef31",
    "9d03b692e941d5ace207a9f8048834439f6de98e5c6c1590c22c4f4577c88a42",
    // The API token of Zendesk's authentication examples (`jdoe@example.com/token:…`)
    "17e6cadb80f15551d7661a4329b2a6ef615dbfc05633cb598903aee8d9d2e42d",
    // Pipedrive's API token example (`x-api-token: …`)
    "bfa30b90a781a02ae398301277dbc6b9f9c29467b8a21382be5a3156c94766cb",
    // Mollie's test API key used throughout its API reference and SDK READMEs
    "9387af38d1038761f0ce6deb8dce56e1826e0faea6e7492e1d94bb7cb21580a2",
    // The access token of Plaid's `/item/public_token/exchange` response example
    "0a9def726e9de4b2c45f689ecd3c5fd2151c703ee7558f6c738b7c55a116de0c",
    // The signature (`sig=`) of Azure Storage's shared access signature examples
    // (https://learn.microsoft.com/rest/api/storageservices/create-service-sas)
    "8894c214702da30479f09dfd916633412c424a39b314996dd715ddca765e0279",
    // The AES-128 test key of FIPS-197 and NIST SP 800-38A
    "2ef2503d964e9668092e6878d3c390ca7909bbbffabd781857115e3be4bb3e5a",
    // The Azure Storage emulator's (Azurite) account key for devstoreaccount1 and the Azure
    // Cosmos DB emulator's key, both published in Microsoft's documentation:
    // https://learn.microsoft.com/azure/storage/common/storage-use-azurite#connection-strings
    // https://learn.microsoft.com/azure/cosmos-db/emulator#authentication
    "0011cc25eb4320717494d2703e8cba85743e71b500283c21c8b88147992f9059",
    "aa6547439583c3a275d4542a0df6c1ad6a863971be9f2a2220f027cc02aef615",
    // The 20 accounts Hardhat and Anvil (Foundry) fund on a local chain, derived from the
    // published mnemonic `test test … junk` (m/44'/60'/0'/0/0..19); both tools print "these
    // accounts, and their private keys, are publicly known":
    // https://hardhat.org/hardhat-network/docs/reference#accounts
    // https://book.getfoundry.sh/reference/anvil/
    "bc1a50966c9e6486bc4ebf880b51611a2a97fcb8e7a6976e9b81a9e3e8ca0e3c",
    "8335c55334821eefd4334369ff9c04a8594f161013cf9d87f58802d87297837e",
    "b26ab6529d20ebebb4192256f202984754f785481c64b1a1aed58cac93b3617e",
    "64034b44c579b335ab5e85debbfe72789e970138cc8d296799c3833a2a8525fb",
    "4d3e46eec8244d1d106f866ee48994f6176705298aee1b8426b2ad2529eb454b",
    "0aedba9d586f34f95cf1f0d54926f62e8a078ce2ca593be73ab27a87d3ff9c5d",
    "28e543d3753fc9d14c658ebef20b76a3b5f8e7d78667baf27832ceb3bea01bdf",
    "f070994a8599478580678f2b9482c5f02bb3de0647281e8efae183669425808a",
    "38e69fdd19aefeb4adf56312f10e62c30274997835173c7006308323ad7db506",
    "967f21586cdf1248a862f2cfb330099701c942c2c7a7537c54f7ec48f8556505",
    "0b33e0132123e78d42dd12a0fbbbacd19827d35ca88e0ad4ba83a47a65ba0487",
    "84bc109b3d59b0173a76fc3d831360a6e5063b3d4c82793a97de992947a0e3a8",
    "85bde548053aab4b5a6c78473d5eb2addaa5824299ad009bf06775e3ce923010",
    "f1513114f60e5e95732b840669fe83956d8a944d23e6c76f953e7edcf2491901",
    "5330d388af894c9e1a181a06a3ce44d61fd8602165d979942be4641f4002762f",
    "a2e06155cb1a424f972c3abfaddc9cea4820c4aec722d2378903fe28dd8fc40c",
    "4a67d7a0d8a16d6d954cef19eb5afdbdd82cc0e907a571f376ef0a0981a2a9d4",
    "b08bdfde9930d9202809530dcbe193c53fd0dc6928f2010d2ffca74df95ead36",
    "cf1fc66f853151a4c6666909c8f1f80e1d855ecffefbcb65a709aae544de5588",
    "100546a8b020a55aa09b2d34b50de9a3fc45a70b261aec6a989bb2d9321af583",
];

/// Whether `secret` is a value published as an example or test vector: one of
/// [`DOCUMENTED_EXAMPLES`] (a hex key also with `0x` or in upper case; a shared access
/// signature by its `sig=`), or a JWT carrying
/// jwt.io's sample claims (`"sub": "1234567890"`, `"name": "John Doe"`) under any
/// signature, the JWT example of RFC 7519 (`"iss": "joe"`, `http://example.com/is_root`),
/// or issued by the Supabase CLI's local stack (`"iss": "supabase-demo"`, the
/// same demo keys for every developer: https://supabase.com/docs/guides/local-development).
pub fn is_documented_example(secret: &[u8]) -> bool {
    use sha2::{Digest, Sha256};
    let known = |bytes: &[u8]| DOCUMENTED_EXAMPLES.contains(&hex::encode(Sha256::digest(bytes)).as_str());
    if known(secret) {
        return true;
    }
    // `user:token` (a decoded Basic header, `jdoe@example.com/token:…`) with a documented token.
    if let Some(colon) = memchr::memrchr(b':', secret) {
        if colon + 1 < secret.len() && known(&secret[colon + 1..]) {
            return true;
        }
    }
    // A shared access signature (URL or token) carrying a documented example's signature.
    if let Some(at) = memchr::memmem::find(secret, b"sig=") {
        let sig = &secret[at + 4..];
        let end = sig.iter().position(|&b| b == b'&').unwrap_or(sig.len());
        if known(&sig[..end]) {
            return true;
        }
    }
    let bare = secret.strip_prefix(b"0x").or_else(|| secret.strip_prefix(b"0X")).unwrap_or(secret);
    if bare.len() == 64 && bare.iter().all(u8::is_ascii_hexdigit) && known(&bare.to_ascii_lowercase()) {
        return true;
    }
    let payload = secret.split(|&b| b == b'.').nth(1).filter(|_| secret.starts_with(b"eyJ"));
    payload.and_then(crate::rules::validate::b64url_decode).is_some_and(|claims| {
        let has = |needle: &[u8]| memchr::memmem::find(&claims, needle).is_some();
        (has(b"1234567890") && (has(b"\"John Doe\"") || has(b"\"Jane Doe\"")))
            || (has(b"\"joe\"") && has(b"http://example.com/is_root"))
            || has(b"\"supabase-demo\"")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::template::expand;

    #[test]
    fn documented_examples_are_recognised() {
        // Split, so that this file holds no token-shaped text.
        let stripe = ["sk_test_", "4eC39HqLyjWDarjtT1zdp7dc"].concat();
        assert!(is_documented_example(stripe.as_bytes()));
        let sample = expand("{{jwt:sub=1234567890,name=John Doe,iat=1516239022}}", "d").unwrap();
        assert!(is_documented_example(sample.as_bytes()));
        let real = expand("{{jwt:sub=svc-billing}}", "d").unwrap();
        assert!(!is_documented_example(real.as_bytes()));
        assert!(!is_documented_example(expand("sk_test_{{alnum:24}}", "d").unwrap().as_bytes()));
    }

    #[test]
    fn well_known_local_development_keys_are_recognised() {
        let hardhat = ["ac0974bec39a17e36ba4a6b4d238ff94", "4bacb478cbed5efcae784d7bf4f2ff80"].concat();
        assert!(is_documented_example(hardhat.as_bytes()));
        assert!(is_documented_example(format!("0x{hardhat}").as_bytes()));
        assert!(is_documented_example(format!("0x{}", hardhat.to_ascii_uppercase()).as_bytes()));
        let pagerduty = ["y_NbAkKc66", "ryYTWUXYEu"].concat();
        assert!(is_documented_example(pagerduty.as_bytes()));
        let zendesk = ["jdoe@example.com/token:", "6wiIBWbGkBMo1mRDMuVwkw1E", "PsNkeUj95PIz2akv"].concat();
        assert!(is_documented_example(zendesk.as_bytes()));
        let vault = ["hvs.6j4cuewow", "BGit65rheNoceI7"].concat();
        assert!(is_documented_example(vault.as_bytes()));
        let rfc6749 = ["2YotnFZFEjr1", "zCsicMWpAA"].concat();
        assert!(is_documented_example(rfc6749.as_bytes()));
        let rfc7519 = expand("{{jwt:iss=joe,exp=1300819380,http://example.com/is_root=true}}", "d").unwrap();
        assert!(is_documented_example(rfc7519.as_bytes()));
        let sas = [
            "https://myaccount.blob.core.windows.net/c/b.txt?sv=2019-02-02&sr=b&sp=rw&sig=Z%2FRHIX5Xcg0Mq2rq",
            "I3OlWTjEg2tYkboXr1P9ZUXDtkk%3D",
        ]
        .concat();
        assert!(is_documented_example(sas.as_bytes()));
        assert!(!is_documented_example(sas.replace("Z%2F", "Y%2F").as_bytes()));
        let azurite =
            ["Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/", "K1SZFPTOtr/KBHBeksoGMGw=="].concat();
        assert!(is_documented_example(azurite.as_bytes()));
        let demo = expand("{{jwt:iss=supabase-demo,role=service_role,exp=1983812996}}", "d").unwrap();
        assert!(is_documented_example(demo.as_bytes()));
        let hosted = expand("{{jwt:iss=supabase,ref=qwxmzkpvhtlrbnsdjcye,role=service_role}}", "d").unwrap();
        assert!(!is_documented_example(hosted.as_bytes()));
        assert!(!is_documented_example(expand("0x{{hex:64}}", "d").unwrap().as_bytes()));
    }
}
