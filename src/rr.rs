//! mqtt-rr: request/response. Subscribe to the response topic, publish the
//! request once the subscription is acknowledged, print the first response.
//! With MQTT 5 the request carries the response-topic property and
//! correlation data, and answers with other correlation data are skipped;
//! MQTT 3.1.1 and 3.1 have no properties, so the first message on the
//! response topic is the answer (as with mosquitto_rr).

use bytes::Bytes;

use crate::exit::Program;
use crate::mqtt::{OutMessage, Protocol};
use crate::publish::read_payload;
use crate::settings::RrSettings;
use crate::subscribe::{Request, listen};

/// Entry point of `mqtt-rr`.
pub fn run(s: RrSettings, program: &Program) -> anyhow::Result<()> {
    let payload = read_payload(&s.source)?.expect("rr sources are single payloads");
    let mut props = s.conn.props.publish.clone();
    props.response_topic = Some(s.response_topic.clone());
    let correlation = match &props.correlation_data {
        // MQTT 3.1.1 and 3.1 carry no properties: the first message on the
        // response topic is the answer, as with mosquitto_rr.
        _ if s.conn.protocol != Protocol::V5 => None,
        Some(c) => Some(c.clone()),
        // mosquitto_rr sends none of its own: under its name, neither do we.
        None if program.mosquitto_wording() => None,
        None => {
            // Unique enough to tell our answer from another client's.
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default();
            let c = format!("mqtt-rr-{}-{}", std::process::id(), now.as_nanos());
            props.correlation_data = Some(Bytes::from(c.clone()));
            Some(Bytes::from(c))
        }
    };
    let request = Request {
        message: OutMessage {
            topic: s.topic.clone(),
            payload,
            qos: s.qos,
            retain: false,
            props: Some(Box::new(props)),
        },
        correlation,
    };
    crate::exit::status(crate::runtime(1)?.block_on(listen(s.listener(), Some(request)))?)
}
