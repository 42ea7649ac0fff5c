"""The phrase-model parser: each fact a rep would notice, written for these tests (not dev notes)."""
from __future__ import annotations

from datetime import datetime

import pytest

from nlu.normalize import normalize
from nlu.parser import MAX_CHARS, parse

REF = datetime.fromisoformat("2026-03-02T10:00:00+08:00")  # a Monday


def p(text: str, industry: str | None = None, ref: datetime = REF) -> dict:
    return parse(text, ref, industry)


def dates(e: dict) -> set[tuple[str, str]]:
    return {(d["date"], d["kind"]) for d in e["dates"]}


def items(e: dict) -> set[tuple]:
    return {(i["product"], i["quantity"], i["unit"]) for i in e["items"]}


def money(e: dict) -> set[tuple]:
    return {(m["amount"], m["kind"]) for m in e["money"]}


# --- shape -------------------------------------------------------------------------------------

def test_the_six_keys_and_a_status_on_each_date():
    e = p("华阳电器的葛经理，电容五千颗，明天发货。")
    assert {"customer", "items", "dates", "money", "objections", "competitors"} <= set(e)
    assert all(d["status"] in ("planned", "reported") for d in e["dates"])
    assert isinstance(e["items"][0]["quantity"], int)


def test_industry_is_detected_when_the_team_has_none_and_unknown_names_do_not_fail():
    e = p("冯老板要速冻水饺两千袋，陈列费他们不收。", industry="不存在的行业")
    assert e["industry"] == "快消/食品饮料"
    assert items(e) == {("速冻水饺", 2000, "袋")}


# --- customer ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text,name,company", [
    ("宏图建设的鲍工要螺纹钢八十吨。", "鲍工", "宏图建设"),
    ("嗯 那个 永辉 那个 邬主管 说 下周 再聊", "邬主管", "永辉"),
    ("第一人民医院设备处苗处长说预算批了。", "苗处长", "第一人民医院"),
    ("今天拜访了长风机械的欧阳经理。", "欧阳经理", "长风机械"),
    ("先去了瑞丰化工见了付总，聊得不错。", "付总", "瑞丰化工"),
    ("汽修厂的barrier", None, None),
])
def test_contact_and_organisation_come_from_structure(text, name, company):
    customer = p(text)["customer"] or {}
    assert customer.get("name") == name
    assert customer.get("company") == company


def test_places_named_only_by_their_trade_are_not_companies():
    assert p("快餐店的龙老板要一次性餐盒三千个。")["customer"] == {"name": "龙老板", "company": None}
    assert p("外贸公司的蒲经理说要等国外客户回款。")["customer"]["company"] is None
    assert p("金鼎快餐店的龙老板要餐盒三千个。")["customer"]["company"] == "金鼎快餐店"


def test_generic_roles_give_no_name_and_our_colleagues_are_not_the_customer():
    assert p("采购说下周再定。")["customer"] is None
    assert p("我们李工明天去现场，贝壳装饰的邱总要看样。")["customer"]["name"] == "邱总"


# --- items -------------------------------------------------------------------------------------

def test_products_are_the_noun_phrase_of_the_quantity_with_attached_specs():
    e = p("邵总要了镀锌角钢五十吨，M12膨胀螺栓三千个，光缆八芯两千米。")
    assert ("镀锌角钢", 50, "吨") in items(e)
    assert ("M12膨胀螺栓", 3000, "个") in items(e)


def test_counting_nouns_are_units_and_periodic_volumes_are_items():
    assert items(p("云帆酒店要前台系统八十个账号。")) == {("前台系统", 80, "账号")}
    assert items(p("面粉每月大概三百袋，康师傅那边也在谈。")) == {("面粉", 300, "袋")}


def test_revised_amounts_keep_the_final_one():
    assert items(p("卫生纸从四百箱降到两百五十箱，月底送。")) == {("卫生纸", 250, "箱")}


@pytest.mark.parametrize("text", [
    "每箱二十四瓶，保质期九个月。",
    "上批退了三百件，这次先不订。",
    "赠送三个月运维，质保两年。",
    "负载要到二十公斤，十公斤的不行。",
])
def test_package_sizes_past_quantities_services_and_specs_are_not_items(text):
    assert p(text)["items"] == []


def test_a_lone_trial_quantity_takes_the_product_named_before():
    assert items(p("伊利的常温奶一直是主供，吕经理说先给我们十箱试试。")) == {("常温奶", 10, "箱")}


# --- dates -------------------------------------------------------------------------------------

def test_date_kinds_follow_the_clause_verb():
    e = p("明天送货，下周三签合同，周五前付定金，下周一再打电话，3月20号来厂考察，月底前寄样品。")
    assert dates(e) == {("2026-03-03", "delivery"), ("2026-03-11", "deadline"), ("2026-03-06", "payment"),
                        ("2026-03-09", "followup"), ("2026-03-20", "meeting"), ("2026-03-31", "trial")}


def test_reported_visits_today_are_meetings_and_vague_times_give_nothing():
    e = p("今天拜访了华星光电的谭工，过段时间再说，下次带样品。")
    assert dates(e) == {("2026-03-02", "meeting")}
    assert e["dates"][0]["status"] == "reported"
    assert p("明天下午送货")["dates"][0]["status"] == "planned"


def test_deliverables_we_owe_are_deadlines():
    assert dates(p("下周四前把检测报告发给他们。")) == {("2026-03-12", "deadline")}


def test_a_weekday_inside_a_company_name_is_no_date():
    assert p("周六福的晁经理说下周三来看样品。")["customer"]["company"] == "周六福"
    assert dates(p("周六福的晁经理说下周三来公司。")) == {("2026-03-11", "meeting")}


# --- money -------------------------------------------------------------------------------------

def test_money_kinds():
    assert money(p("预算二十万，我们报二十三万，隔壁厂才报十八万。")) == {
        (200000, "budget"), (230000, "quote"), (180000, "competitor_price")}
    assert money(p("合同额四十五万，已经签了，定金五万下周到。")) == {(450000, "deal"), (50000, "other")}
    assert money(p("签了，单价六块五，总价三万二。")) == {(6.5, "quote"), (32000, "deal")}


def test_differences_and_discounts_are_not_money():
    assert p("比我们便宜两块五，还要打八折，预付20%。")["money"] == []


# --- objections --------------------------------------------------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("价格没问题，质量也没问题，下周签。", []),
    ("客户说需要技术评估。", ["decision_delay"]),
    ("我们这边觉得偏高，要请示。", []),
    ("赠送3个月运维。", []),
    ("白天不让进料，只能夜间施工。", []),
    ("预算确认了，三十万。", []),
    ("他们嫌交期太长，等不了。", ["delivery_time"]),
    ("账期要九十天，我们最多给三十天。", ["payment_terms"]),
    ("售后响应太慢，网点也少。", ["service"]),
    ("接口不兼容，达不到他们的要求。", ["spec"]),
    ("上批货有破损，要退货。", ["quality"]),
    ("预算已经用完了，明年再说。", ["budget", "decision_delay"]),
])
def test_objection_taxonomy_with_negation_and_our_side(text, expected):
    assert sorted(p(text)["objections"]) == sorted(expected)


def test_a_cheaper_rival_is_a_price_objection_unless_the_customer_praises_us():
    assert "price" in p("雷士的灯具比我们便宜一成，肖总说要再考虑。")["objections"]
    assert "price" not in p("雷士的灯具便宜一成，但肖总说我们服务好，暂时不换。")["objections"]


def test_amounts_show_objections_unsaid():
    assert "budget" in p("预算只有八十万，我们报了九十五万。")["objections"]
    assert "price" in p("我们报一百二，他只肯给一百。")["objections"]


# --- competitors -------------------------------------------------------------------------------

def test_competitors_from_packs_and_from_how_rivals_are_talked_about():
    e = p("施耐德的断路器比我们低，伍经理说还是倾向宏发科技。", industry="工业自动化设备")
    assert set(e["competitors"]) >= {"施耐德", "宏发科技"}


def test_the_customer_and_carriers_are_not_competitors():
    e = p("格力的薛工要传感器两百个，明天发顺丰。")
    assert e["competitors"] == []
    assert e["customer"]["company"] == "格力"


# --- normalisation -----------------------------------------------------------------------------

def test_traditional_and_spoken_spacing_give_the_same_facts():
    plain = p("鼎新电子的林经理，电容五万颗，下周三前到货，单价三毛五。")
    traditional = p("鼎新電子的林經理，電容五萬顆，下週三前到貨，單價三毛五。")
    spaced = p("嗯 鼎新电子 的 林经理 然后 电容 五万颗 下周三 前 到货 然后 单价 三毛五")
    for e in (traditional, spaced):  # names come back as written; read as Simplified they agree
        assert {k: normalize(v) for k, v in e["customer"].items()} == plain["customer"]
        simplified = {(normalize(p), q, normalize(u)) for p, q, u in items(e)}
        assert simplified == items(plain) and dates(e) == dates(plain) and money(e) == money(plain)


def test_extracted_strings_are_substrings_of_the_note():
    text = "嗯 那个 安心医药 的 严经理 说 京东物流 只要 五千 然后 冷链配送 四十车"
    e = p(text)
    flat = text.replace(" ", "")
    strings = [e["customer"]["name"], e["customer"]["company"], *e["competitors"], *(i["product"] for i in e["items"])]
    assert all(s in flat for s in strings if s)


def test_text_over_the_limit_gets_an_error_and_no_facts():
    e = p("货" * (MAX_CHARS + 1))
    assert "error" in e and e["items"] == [] and e["customer"] is None


# --- harder structure ----------------------------------------------------------------------

@pytest.mark.parametrize("text,company", [
    ("宝丰特钢的能源部金处长说下周来厂。", "宝丰特钢"),
    ("通达的户用项目经理邱经理说组件要两百块。", "通达"),
    ("康师傅的熊工说下周再聊。", "康师傅"),
    ("巴斯夫给华泰的报价低了两百，甘总说要再比比。", "华泰"),
    ("嗯 那个 盒马 鲜生 的 伍经理 说 下周 再 聊", "盒马鲜生"),
])
def test_organisations_behind_departments_roles_and_pauses(text, company):
    assert p(text)["customer"]["company"] == company


def test_the_first_part_of_an_order_is_not_a_second_item():
    assert items(p("雨刷器两千套，下周三先送一千套，单价十八。")) == {("雨刷器", 2000, "套")}


def test_a_season_named_after_a_holiday_is_no_date():
    assert p("春节团购，白酒礼盒三百箱，下周一送。")["dates"] == [
        {"date": "2026-03-09", "kind": "delivery", "status": "planned"}]


def test_a_rival_being_dear_or_getting_dearer_is_no_price_objection():
    assert "price" not in p("茅台的价格太高，他们想换成我们的。")["objections"]
    assert "price" not in p("英飞凌的模块涨价了，宁工想试试我们的。")["objections"]
    assert "price" in p("我们的报价比去年涨了百分之五，他们接受不了。")["objections"]


def test_a_line_right_after_the_contact():
    assert items(p("王经理 1.5万件 T恤 下周五前交")) == {("T恤", 15000, "件")}


# --- general rules found on unseen notes ---------------------------------------------------

@pytest.mark.parametrize("text,company", [
    ("下午跟美团的HR负责人开了会，考勤系统要三千个账号。", "美团"),
    ("嗯 苏宁 那边 的 采购 说 先 要 五百台", "苏宁"),
    ("宝钢的储运部龚处长说液氮每个月六十吨。", "宝钢"),
    ("昆明的滇池水务在招标，齐处长说下周五前交方案。", "滇池水务"),
    ("一家叫驰诚的物流公司，郝经理说德邦便宜一成。", "驰诚"),
    ("今天收到了佳美家居的定金五万，冉总说月底再付尾款。", "佳美家居"),
    ("中石化加油站的纪站长说饮料柜要十台。", "中石化"),
])
def test_organisations_in_unusual_positions(text, company):
    assert p(text)["customer"]["company"] == company


@pytest.mark.parametrize("text,rival", [
    ("嗯 那个 万科物业 的 肖主管 说 淳安消防 报 四十五 一具 比 我们 便宜", "淳安消防"),
    ("价格要跟林德的比一下再说。", "林德"),
    ("广汇汽车的韦经理倾向用壳牌的机油。", "壳牌"),
    ("他们已经转向国药控股拿货了。", "国药控股"),
    ("他们在代理一个叫康普瑞的品牌，注射器只要一毛八。", "康普瑞"),
    ("喜茶的莫经理讲，他们现在拿安佳的价是四十二一公斤。", "安佳"),
])
def test_rivals_unknown_to_the_packs_are_found_from_how_they_are_talked_about(text, rival):
    assert rival in p(text)["competitors"]


def test_a_contact_said_by_full_name():
    assert p("上午和比亚迪的王涛开了视频会，打印机要两台。")["customer"] == {"name": "王涛", "company": "比亚迪"}


def test_a_threat_in_the_clause_before_is_no_competitor_choice():
    assert "competitor" not in p("秦场长说要是我们不跟，下个月就换海大。")["objections"]


def test_a_change_of_material_is_no_change_of_supplier():
    assert "competitor" not in p("三只松鼠的采购说包装要换成环保材料。")["objections"]


def test_two_products_with_one_quantity_each():
    assert items(p("酸奶和鲜奶各五百箱，后天回复。")) == {("酸奶", 500, "箱"), ("鲜奶", 500, "箱")}


def test_a_count_glued_to_a_spec_and_a_cut_back_order():
    assert items(p("谭总定了三台25吨汽车吊。", "机械设备")) == {("25吨汽车吊", 3, "台")}
    assert items(p("我们报的三套水质分析仪要五十二万，只能先买两套。")) == {("水质分析仪", 2, "套")}


def test_weekday_ranges_and_this_month_are_read_as_spoken():
    e = p("只能周一到周五白天送货，大米五十吨下周二送。")
    assert [d["date"] for d in e["dates"]] == ["2026-03-10"]
    assert items(p("嗯 那个 岳经理 说 铜管 这个 月 要 三十吨")) == {("铜管", 30, "吨")}


def test_places_are_no_organisation_and_platforms_are():
    assert p("温州的阮老板说注塑机要两台。")["customer"] == {"name": "阮老板", "company": None}
    assert p("嗯 就是 京东 的 采购 说 电热毯 有 投诉")["customer"]["company"] == "京东"


def test_days_of_credit_are_no_money_and_a_weekly_amount_is_an_item():
    e = p("他说华帝给的账期是九十天，我们只给六十。")
    assert e["money"] == []
    assert items(p("市一中的姚师傅说大米每周五百斤。")) == {("大米", 500, "斤")}


def test_our_lead_time_over_their_limit_is_a_delivery_objection():
    assert "delivery_time" in p("他说交期要在二十天内，我们要三十五天，有点难。")["objections"]
    assert "delivery_time" not in p("交期不能超过四十五天，下周三前要报价。")["objections"]
