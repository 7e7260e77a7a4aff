//! The hardware register's pages: the register (硬件设备记录), printable,
//! and a page per device with its history.

use serde::Serialize;

use crate::render::plan::Plan;
use crate::report::Report;
use crate::report::hardware::{DeviceView, Register};

#[derive(Serialize)]
struct RegisterPage<'a> {
    register: Option<&'a Register>,
}

#[derive(Serialize)]
struct DevicePage<'a> {
    d: &'a DeviceView,
}

pub(super) fn hardware<'a>(plan: &mut Plan<'a>, report: &'a Report) {
    let register = report.hardware.as_ref();
    plan.json("data/hardware.json".into(), register);
    plan.page(
        "hardware/index.html".into(),
        "hardware.html",
        RegisterPage { register },
    );
    for d in register.map_or(&[][..], |r| r.devices.as_slice()) {
        plan.page(d.url.clone(), "device.html", DevicePage { d });
    }
}
