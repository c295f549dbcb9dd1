//! `mongodb+srv://` seed lists: the SRV record `_mongodb._tcp.<host>` names the servers and
//! the TXT record of `<host>` carries default options (`authSource`, `replicaSet`). Asked
//! over UDP of the system's name servers (`/etc/resolv.conf`), with `hickory-proto` for the
//! DNS messages. Every server the SRV record names must sit under the parent domain of
//! `<host>` (MongoDB's rule, so a record cannot send the login elsewhere); each is then
//! resolved and checked like any other host.
//!
//! Format: <https://www.mongodb.com/docs/manual/reference/connection-string/#srv-connection-format>.

use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::time::Duration;

use hickory_proto::op::{Message, MessageType, OpCode, Query};
use hickory_proto::rr::{Name, RData, RecordType};

use crate::scope::http::ProbeError;

/// One server of a seed list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seed {
    pub host: String,
    pub port: u16,
}

/// What the DNS says about a `mongodb+srv` host.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeedList {
    pub seeds: Vec<Seed>,
    /// `key=value` options from the TXT record (only `authSource`, `replicaSet` and
    /// `loadBalanced` are allowed there).
    pub options: Vec<(String, String)>,
}

/// The system's name servers.
pub fn system_nameservers() -> Vec<SocketAddr> {
    let Ok(text) = std::fs::read("/etc/resolv.conf") else { return Vec::new() };
    let Ok(config) = resolv_conf::Config::parse(&text) else { return Vec::new() };
    config.nameservers.iter().map(|ns| SocketAddr::new(IpAddr::from(ns.clone()), 53)).collect()
}

/// Looks `host` up with the first name server that answers.
pub fn lookup(host: &str, nameservers: &[SocketAddr], timeout: Duration) -> Result<SeedList, ProbeError> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if host.split('.').count() < 3 {
        // MongoDB: an SRV host has at least three labels (host.domain.tld).
        return Err(ProbeError::NotProbed(format!("{host}: a mongodb+srv host needs three labels")));
    }
    if nameservers.is_empty() {
        return Err(ProbeError::Network(format!("{host}: no name server to look up its SRV record")));
    }
    let srv_name = format!("_mongodb._tcp.{host}");
    let mut last = ProbeError::Network(format!("{host}: SRV lookup failed"));
    for ns in nameservers {
        let answer = match query(&srv_name, RecordType::SRV, *ns, timeout) {
            Ok(answer) => answer,
            Err(e) => {
                last = e;
                continue;
            }
        };
        let parent = host.split_once('.').map_or("", |(_, p)| p).to_string();
        let mut seeds = Vec::new();
        for record in &answer.answers {
            if let RData::SRV(srv) = &record.data {
                let target = srv.target.to_ascii().trim_end_matches('.').to_ascii_lowercase();
                if !target.ends_with(&format!(".{parent}")) {
                    return Err(ProbeError::Refused(format!(
                        "{host}: its SRV record names {target}, outside {parent}; not followed"
                    )));
                }
                seeds.push(Seed { host: target, port: srv.port });
            }
        }
        if seeds.is_empty() {
            return Err(ProbeError::Network(format!("{host}: no SRV record")));
        }
        let mut options = Vec::new();
        if let Ok(txt) = query(&host, RecordType::TXT, *ns, timeout) {
            for record in &txt.answers {
                if let RData::TXT(data) = &record.data {
                    let text: String = data.txt_data.iter().map(|part| String::from_utf8_lossy(part)).collect();
                    for pair in text.split('&') {
                        if let Some((k, v)) = pair.split_once('=') {
                            if matches!(k, "authSource" | "replicaSet" | "loadBalanced") {
                                options.push((k.to_string(), v.to_string()));
                            }
                        }
                    }
                }
            }
        }
        return Ok(SeedList { seeds, options });
    }
    Err(last)
}

fn query(name: &str, kind: RecordType, ns: SocketAddr, timeout: Duration) -> Result<Message, ProbeError> {
    let failed = |why: &str| ProbeError::Network(format!("{name}: DNS {kind} lookup {why}"));
    let qname = Name::from_ascii(format!("{name}.")).map_err(|_| failed("of an invalid name"))?;
    let mut message = Message::query();
    message.metadata.recursion_desired = true;
    message.add_query(Query::query(qname, kind));
    let bytes = message.to_vec().map_err(|_| failed("could not be encoded"))?;
    let bind: SocketAddr = if ns.is_ipv4() { "0.0.0.0:0".parse() } else { "[::]:0".parse() }.expect("literal");
    let socket = UdpSocket::bind(bind).map_err(|_| failed("could not open a socket"))?;
    socket.set_read_timeout(Some(timeout)).ok();
    socket.connect(ns).map_err(|_| failed("could not reach the name server"))?;
    socket.send(&bytes).map_err(|_| failed("could not reach the name server"))?;
    let mut buf = vec![0u8; 4096];
    loop {
        let n = socket.recv(&mut buf).map_err(|e| match e.kind() {
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => ProbeError::Timeout,
            _ => failed("failed"),
        })?;
        let Ok(answer) = Message::from_vec(&buf[..n]) else { continue };
        if answer.metadata.id != message.metadata.id || answer.metadata.message_type != MessageType::Response {
            continue;
        }
        if answer.metadata.op_code != OpCode::Query {
            return Err(failed("got an odd answer"));
        }
        if answer.metadata.truncation {
            return Err(failed("answer was truncated"));
        }
        return Ok(answer);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::rr::Record;
    use hickory_proto::rr::rdata::{SRV, TXT};

    /// A name server on loopback answering one query with `answers`.
    fn fake_dns(answers: impl Fn(&Query) -> Vec<Record> + Send + 'static) -> SocketAddr {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = socket.local_addr().unwrap();
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 4096];
            while let Ok((n, from)) = socket.recv_from(&mut buf) {
                let request = Message::from_vec(&buf[..n]).unwrap();
                let mut response = Message::response(request.metadata.id, OpCode::Query);
                for q in &request.queries {
                    response.add_query(q.clone());
                    for record in answers(q) {
                        response.add_answer(record);
                    }
                }
                socket.send_to(&response.to_vec().unwrap(), from).unwrap();
            }
        });
        addr
    }

    fn answers(q: &Query, target: &'static str) -> Vec<Record> {
        let name = q.name().clone();
        match q.query_type() {
            RecordType::SRV => {
                vec![Record::from_rdata(name, 60, RData::SRV(SRV::new(0, 0, 27017, Name::from_ascii(target).unwrap())))]
            }
            RecordType::TXT => vec![Record::from_rdata(
                name,
                60,
                RData::TXT(TXT::new(vec!["authSource=admin&replicaSet=rs0&w=0".into()])),
            )],
            _ => Vec::new(),
        }
    }

    #[test]
    fn seeds_and_txt_options_come_from_dns() {
        let ns = fake_dns(|q| answers(q, "shard-00.abcde.mongodb.net."));
        let list = lookup("cluster0.abcde.mongodb.net", &[ns], Duration::from_secs(2)).unwrap();
        assert_eq!(list.seeds, vec![Seed { host: "shard-00.abcde.mongodb.net".into(), port: 27017 }]);
        // Only the options MongoDB allows in TXT records are taken.
        assert_eq!(list.options, vec![("authSource".into(), "admin".into()), ("replicaSet".into(), "rs0".into())]);
    }

    #[test]
    fn seeds_outside_the_parent_domain_are_refused() {
        let ns = fake_dns(|q| answers(q, "db.attacker.example."));
        let err = lookup("cluster0.abcde.mongodb.net", &[ns], Duration::from_secs(2)).unwrap_err();
        assert!(matches!(&err, ProbeError::Refused(why) if why.contains("outside abcde.mongodb.net")), "{err}");
        let err = lookup("mongodb.net", &[ns], Duration::from_secs(2)).unwrap_err();
        assert!(matches!(err, ProbeError::NotProbed(_)));
    }
}
