"""Notes as reps really send them (issue 16): one group of tests per phenomenon, one test per example,
each group with negatives. The examples are written for these tests, not taken from a corpus."""
from __future__ import annotations

from datetime import datetime

import pytest

from nlu.parser import parse
from nlu.repair import repair

REF = datetime.fromisoformat("2026-03-02T10:00:00+08:00")  # a Monday


def p(text: str, industry: str | None = None) -> dict:
    return parse(text, REF, industry)


def items(e: dict) -> set[tuple]:
    return {(i["product"], i["quantity"], i["unit"]) for i in e["items"]}


def dates(e: dict) -> set[tuple]:
    return {(d["date"], d["kind"]) for d in e["dates"]}


def money(e: dict) -> set[tuple]:
    return {(m["amount"], m["kind"]) for m in e["money"]}


# --- self-repair ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("他们要上两台加工中心，哦不对，后来又说三台。", {("加工中心", 3, "台")}),
    ("扳手套装先要四百套，哦说错了，是三百套。", {("扳手套装", 300, "套")}),
    ("要PVC地板 大概一千二百平方 不对不对 是一千五百平方", {("PVC地板", 1500, "平方")}),
    ("季老板要十二套 哦不 十六套实木床架", {("实木床架", 16, "套")}),
    ("编码器一开始说500个，后来说新线也要用，改成了800。", {("编码器", 800, "个")}),
    ("牛经理原来说要八百箱，后来改成五百箱卷纸。", {("卷纸", 500, "箱")}),
    ("先说智能马桶要三十台，后来又改口说要四十台。", {("智能马桶", 40, "台")}),
    ("水泵原来说 10 套，现在改口 8 套。", {("水泵", 8, "套")}),
    ("硫酸镍这个月要两吨，喔不对，他后来算了一下说要两吨半。", {("硫酸镍", 2.5, "吨")}),
    ("罗老板要了无纺布袋三千个，哦，三千五百个，下周送。", {("无纺布袋", 3500, "个")}),
    ("她要保温杯 2,000 pcs，哦不，she corrected to 2,500 pcs。", {("保温杯", 2500, "pcs")}),
    ("客户要保温杯 40 cartons, sorry 是 45 cartons.", {("保温杯", 45, "cartons")}),
    ("店里要黄酒60箱，啊不是，是80箱。", {("黄酒", 80, "箱")}),
    ("老板要石灰 六百公斤 不对 一吨 明天送", {("石灰", 1, "吨")}),
    ("李女士要 4 台跑步机, no wait, 6 台. 下周签约", {("跑步机", 6, "台")}),
    ("补单：不锈钢水泵 KQ-20 30台→改35台，下周发。", {("不锈钢水泵 KQ-20", 35, "台")}),
    ("滤芯要 60 支，wait，他 email 里写的是 72 支。", {("滤芯", 72, "支")}),
    ("王工说石膏板要追加就是三百张不对不对是三百六十张然后周五前到", {("石膏板", 360, "张")}),
    ("采购说要叉车八台不是八是十二台然后问能不能月底前到", {("叉车", 12, "台")}),
    ("吕工说接近开关要三百个不对三百五十个然后下周发", {("接近开关", 350, "个")}),
    ("周总说 膨胀螺栓要两千套 哦 不是两千 是两千五百套 然后月底前到", {("膨胀螺栓", 2500, "套")}),
    ("月饼礼盒要 300 盒，等等她又补一句改 360 盒。", {("月饼礼盒", 360, "盒")}),
    ("宿舍空调，挂机先说五百台，后来说有一栋楼还没建好，改成四百台。", {("挂机", 400, "台")}),
    # the wrong value said again before the right one; a later statement of the value; a first value with its lead-in
    ("他说要拿一千块光伏板 哦不是一千块 是一千二百块 然后价格再谈", {("光伏板", 1200, "块")}),
    ("要订齿轮箱 一开始说两百台 后来又跟车间确认了一下 说一百八十台 嗯然后月底交", {("齿轮箱", 180, "台")}),
    ("门把手一开始说要两千套后来又说先要一千五百套单价再谈", {("门把手", 1500, "套")}),
    ("宏远制衣订了涤棉里布三千米，哦是四千米，下周五装柜。", {("涤棉里布", 4000, "米")}),
    ("法兰螺栓M12要一万，刚算错了，是一万二千件，月底前送到。", {("法兰螺栓M12", 12000, "件")}),
])
def test_a_corrected_quantity_keeps_the_final_value(text, expected):
    assert items(p(text)) == expected


@pytest.mark.parametrize("text,expected", [
    ("周三 哦不 周四 送货", {("2026-03-05", "delivery")}),
    ("下周二，不对，下周三过去拜访", {("2026-03-11", "meeting")}),
])
def test_a_corrected_day_keeps_the_final_day(text, expected):
    assert dates(p(text)) == expected


def test_a_number_after_a_weekday_word_is_no_day():
    fixed = repair("每周三十车，不对，他最后说每周三十六车。")[0]
    assert "三十六车" in fixed and "三十车" not in fixed


def test_a_raise_keeps_a_code_apart_from_its_number():
    assert items(p("CRM从150 seats加到220 seats，年费照旧。")) == {("CRM", 220, "seats")}


def test_a_corrected_price_keeps_the_final_price():
    assert money(p("我们报价十二万，不对，十一万五。")) == {(115000, "quote")}


@pytest.mark.parametrize("text", [
    "他说尺寸不对，退了五台。",           # 不对 as an adjective
    "空调要十台，他又说要两台冰箱。",      # a second line, not a correction
    "价格不对，我们报的三千二。",
    "上午拜访了，哦，对了，三台泵的事还没定。",  # 哦 before no second value
    "订了两百箱，哦，好的，下周送。",
    "消泡剂要订三吨，交货的话他说要在端午前，哦不是，端午后送到，价格按三万二一吨。",  # a price is no corrected amount
    "We wait 3 days for 5 sets.",
    "价格不是问题，是三台的交期。",
    "先要两台冰箱，然后他说要三台空调。",   # a later line, not a correction
])
def test_no_repair_without_a_correction(text):
    assert repair(text)[0] == text


# --- typed shorthand and English measure words ---------------------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("报价38w/台", {(380000, "quote")}),
    ("我报了4.15k/吨", {(4150, "quote")}),
    ("预算75w", {(750000, "budget")}),
    ("单价26元/kg", {(26, "quote")}),
    ("他说隔壁才35w", {(350000, "competitor_price")}),
])
def test_shorthand_amounts(text, expected):
    assert money(p(text)) == expected


@pytest.mark.parametrize("text,expected", [
    ("他们要不锈钢合页 5000 pcs", {("不锈钢合页", 5000, "pcs")}),
    ("套筒扳手先下1200 sets", {("套筒扳手", 1200, "sets")}),
    ("味精5t", {("味精", 5, "t")}),
    ("卡拉胶 500kg", {("卡拉胶", 500, "kg")}),
    ("燕麦奶 1200 cases", {("燕麦奶", 1200, "cases")}),
])
def test_english_measure_words_are_units_as_written(text, expected):
    assert items(p(text)) == expected


@pytest.mark.parametrize("text,expected", [
    ("蓝湾酒店的钱经理：会议椅x40，下周三前送到。", {("会议椅", 40, None)}),
    ("宋总要投影仪 ×3，月底前装好。", {("投影仪", 3, None)}),
    ("华晨贸易的邓经理下单了：文件柜 x12、保险箱 x2。", {("文件柜", 12, None), ("保险箱", 2, None)}),
    ("恒达电缆的金经理要YJV电缆1.5w米，下个月交。", {("YJV电缆", 15000, "米")}),
    ("储能柜 2MWh，合同下周签。", {("储能柜", 2, "MWh")}),
    ("Linda 说每月海运拼箱 25 CBM。", {("海运拼箱", 25, "CBM")}),
])
def test_typed_counts_with_x_shorthand_and_power_units(text, expected):
    assert items(p(text)) == expected


@pytest.mark.parametrize("text,expected", [
    ("采购要KX-30B 8k，下周交。", {("KX-30B", 8000, None)}),                       # thousands after a model code
    ("除尘器DMC-48 x3，滤袋200条。", {("除尘器DMC-48", 3, None), ("滤袋", 200, "条")}),  # x after a code and a space
    ("要PE软管4k米，月底发。", {("PE软管", 4000, "米")}),                          # typed thousands of metres
    ("要棉纱2.5k公斤，周五提货。", {("棉纱", 2500, "公斤")}),
    ("他们要550W双面组件大概1300块。", {("550W双面组件", 1300, "块")}),           # a wattage stays a wattage
    ("报价5k，他说贵。", set()),                                                  # a price is no count
])
def test_typed_counts_after_codes_and_typed_thousands(text, expected):
    assert items(p(text)) == expected


@pytest.mark.parametrize("text,expected", [
    ("他们要X5型号的主机两台。", {("主机", 2, "台")}),                 # a model code, not a count
    ("尺寸是3x4米的展板要二十块。", {("展板", 20, "块")}),              # a size, not a count
    ("邵总说他们那个10MW项目要组件两万块。", {("组件", 20000, "块")}),  # the size of a project
])
def test_codes_sizes_and_project_sizes_are_no_typed_counts(text, expected):
    assert items(p(text)) == expected


@pytest.mark.parametrize("text", [
    "今天上了580W单晶组件的样品",       # a power glued to the product, no money
    "监控硬盘八T的",                    # terabytes, not tons
    "500ml的瓶子",                      # a size, not a count
])
def test_shorthand_that_is_no_amount_or_count(text):
    e = p(text)
    assert not e["money"] and not e["items"]


# --- bilingual names -----------------------------------------------------------------------------

@pytest.mark.parametrize("text,name,company", [
    ("上午见了Northgate Hardware的buyer Kevin，他们要合页5000 pcs。", "Kevin", "Northgate Hardware"),
    ("Follow up 南华环保 PM Frank Xu：水质分析仪 8 套。", "Frank Xu", "南华环保"),
    ("今天 met Dr. Simon Zhou at Meridian Clinic，聊了针头。", "Simon Zhou", "Meridian Clinic"),
    ("Visit 了 GreenField Agri 的 farm manager Peter 刘。", "Peter 刘", "GreenField Agri"),
    ("PartsHub 的 buyer Nina 确认了 200 pcs 皮带。", "Nina", "PartsHub"),
    ("约了Orchard Living的Mr. Lim下周见面。", "Mr. Lim", "Orchard Living"),
])
def test_english_people_and_organisations_as_written(text, name, company):
    assert p(text)["customer"] == {"name": name, "company": company}


@pytest.mark.parametrize("text", [
    "Call 张总 about the quote，next Monday 再聊。",     # English prose is no name
    "MOQ 2吨，FOB 上海，lead time 3 weeks。",
    "Follow up 一下 PO。",
])
def test_english_words_are_no_names(text):
    customer = p(text)["customer"] or {}
    assert customer.get("company") is None
    assert customer.get("name") in (None, "张总")


# --- movement around the organisation ------------------------------------------------------------

@pytest.mark.parametrize("text,company", [
    ("刚从利民水务出来，何总说流量计要八台。", "利民水务"),
    ("剛從華聯重工出來，閻處長說要圓鋼八十噸。", "華聯重工"),
    ("今天在瑞丰工具批发见了曹老板。", "瑞丰工具批发"),
    ("今天去了趟恒通机械，李经理说X3型号要80台。", "恒通机械"),
    ("电话里福安建材城的邬老板说涂料开裂了。", "福安建材城"),
    ("下午去了一趟老客户福顺汽修，晁老板要火花塞200个。", "福顺汽修"),
    ("昨天去了博爱医院，器械科白科长说要五台除颤仪。", "博爱医院"),
    ("鑫泰电子孙工来电，要20台伺服电机。", "鑫泰电子"),
])
def test_the_company_is_exactly_the_organisation(text, company):
    assert (p(text)["customer"] or {}).get("company") == company


@pytest.mark.parametrize("text", [
    "钠电池正极材料，姜总要先试用五百公斤。",      # a product, not an organisation
    "继电器要两千个，月底前交。",
    "嗯 老 客户 黄 老板 说 今年 五金 生意 不好 做",  # a time word and a trade
    "设备科的范处长说预算批了。",                  # a department is no company
])
def test_no_company_from_products_departments_or_sentences(text):
    assert (p(text)["customer"] or {}).get("company") is None


# --- date kinds from each date's own clause ------------------------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("昨晚跟华夏医药的向总吃饭，聊得不错。", ("2026-03-01", "meeting")),
    ("今天到丰年合作社拜访詹理事长。", ("2026-03-02", "meeting")),
    ("后天去瑞康制药找柏经理。", ("2026-03-04", "meeting")),
    ("quote明天发给他。", ("2026-03-03", "deadline")),
    ("合同下周三前发过去。", ("2026-03-11", "deadline")),
    ("sample下周五前寄过去。", ("2026-03-13", "trial")),
    ("周四我们把改好的样床送过去给她验。", ("2026-03-05", "trial")),
    ("下周四前到现场。", ("2026-03-12", "delivery")),
    ("今天去市海关送了一批打印纸。", ("2026-03-02", "delivery")),
    ("下周三再去谈。", ("2026-03-11", "followup")),
])
def test_each_date_takes_its_kind_from_its_clause(text, expected):
    assert dates(p(text)) == {expected}


@pytest.mark.parametrize("text,kind", [
    ("合同到年底，明年再考虑换。", "other"),          # the contract is no deliverable here
    ("合同额一百二十万，7月3号前交第一批。", "delivery"),
])
def test_a_contract_is_a_deliverable_only_when_sent(text, kind):
    assert {k for _, k in dates(p(text))} == {kind}


# --- objections need the customer's voice ---------------------------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("对比过沈阳机床的价格，他嫌我们贵了差不多一成。", "price"),
    ("价格方面他嫌我们每吨一万八千五偏高。", "price"),
    ("他说凯翔风机报得便宜不少，让我再压一压。", "price"),
    ("简督导说要跟董事会报告才能决定。", "decision_delay"),
    ("欧阳校长说要上校务会研究。", "decision_delay"),
    ("现在用的是燕山石化的，她说暂时不想换。", "competitor"),
])
def test_customer_objections(text, expected):
    assert expected in p(text)["objections"]


@pytest.mark.parametrize("text", [
    "我说回去申请一下，下周二给他正式报价。",                 # our side speaking
    "嗯今天去了华强电子见了姜经理要十桶我说我们的价格这次不变",  # a dictated run: 我说 starts our clause
    "现在用的是道康宁的，骆主管说想换我们的试试。",            # the incumbent they mean to leave
    "他们一直用安费诺的，霍经理想引入我们降成本。",
    "国庆前要把MSDS和检测报告给他们。",                        # 和…报告 is no report to a boss
    "三一重工说我们的焊接机器人能耗偏高。",                    # high energy use is no price objection
])
def test_no_objection_without_the_customers_voice(text):
    e = p(text)
    assert not ({"price", "decision_delay", "competitor"} & set(e["objections"])), e["objections"]


# --- English and numeric dates (our rules; dateparser reads an English month and day) ------------

@pytest.mark.parametrize("text,day", [
    ("next Monday 先寄 sample", "2026-03-09"),
    ("this Friday 发货", "2026-03-06"),
    ("Friday 再 call", "2026-03-06"),
    ("Tomorrow 去 CarFix", "2026-03-03"),
    ("yesterday 开了会", "2026-03-01"),
    ("约了Jan 16去他们厂里", "2027-01-16"),     # passed this year, nothing done: next year
    ("Mar 15 前装船", "2026-03-15"),
    ("15 March 交货", "2026-03-15"),
    ("March 20th 之前 confirm", "2026-03-20"),
    ("我3.2寄过去", "2026-03-02"),
    ("15/3交货", "2026-03-15"),
    ("我说回去申请一下下周二给他正式报价", "2026-03-10"),  # 一下 + 下周二, not 下下周二
])
def test_english_and_numeric_dates(text, day):
    assert day in {d["date"] for d in p(text)["dates"]}


@pytest.mark.parametrize("text", [
    "Sun Pharma 的报价",          # a name, not Sunday
    "单价3.2元一公斤",             # a price, not 3月2日
    "March 的预算还没批",          # a month with no day
    "SAT 认证还没过",               # an abbreviation, not Saturday
])
def test_no_english_date_from_names_prices_or_months(text):
    assert not p(text)["dates"]


# --- money kinds from who says the amount ---------------------------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("吡虫啉50箱 @260/箱", (260, "quote")),
    ("target price ¥200/台", (200, "other")),
    ("我们报 680/只，他要 650", (650, "other")),
    ("他说 competitor 才 1.28w", (12800, "competitor_price")),
    ("货款八千四已经付清", (8400, "other")),
    ("合同总额10.8w，签了", (108000, "deal")),
])
def test_money_kinds(text, expected):
    assert expected in money(p(text))


# --- noun phrases, not debris ---------------------------------------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("宫经理确认了三台前移式叉车。", {("前移式叉车", 3, "台")}),
    ("孔姐刚下单80箱A4复印纸和20盒签字笔。", {("A4复印纸", 80, "箱"), ("签字笔", 20, "盒")}),
    ("他们80台重卡，一年大概要用960条轮胎。", {("轮胎", 960, "条")}),
    ("整流桥KBP307 月需20k pcs。", {("整流桥KBP307", 20000, "pcs")}),
    ("她挺喜欢那款马瑟兰，先要24瓶。", {("马瑟兰", 24, "瓶")}),
    ("他想换精酿，要20桶。", {("精酿", 20, "桶")}),
    ("gripper 要 40 sets，pen needles 20 盒。", {("gripper", 40, "sets"), ("pen needles", 20, "盒")}),
    # the product named as the topic, a time word or a hedge right before the count
    ("跟设备科聊了不锈钢法兰，Q3开始每月要500片。", {("不锈钢法兰", 500, "片")}),
    ("改造要换一批离心水泵，初步算要40台。", {("离心水泵", 40, "台")}),
    # a relative time word or an English word of the sentence at its edge is no part of it
    ("他们明年碳酸钙的框架协议在招标，年用量约900吨。", {("碳酸钙", 900, "吨")}),
    ("AGV小车 demo 她挺满意，要 5 units 先试。", {("AGV小车", 5, "units")}),
    ("要 combiner box 60 台 and 组串式逆变器 40 台.", {("combiner box", 60, "台"), ("组串式逆变器", 40, "台")}),
    ("HIS 系統授權要 14 套。", {("HIS 系統授權", 14, "套")}),  # an acronym stays
    # a verb right before the count is no product: the thing named before it is
    ("包装科说今年手提袋要换新版，春节前要到货五千个。", {("手提袋", 5000, "个")}),
])
def test_the_product_is_the_noun_phrase(text, expected):
    assert items(p(text)) == expected


@pytest.mark.parametrize("text,expected", [
    ("They want to order 600 cases of 椰子水 for 华南门店.", {("椰子水", 600, "cases")}),
    ("PO for 3k pcs STM32G030 confirmed.", {("STM32G030", 3000, "pcs")}),
    ("She needs 40 sets of standing desk, budget 5w.", {("standing desk", 40, "sets")}),
    ("Need 20k pcs 0805 1K电阻.", {("0805 1K电阻", 20000, "pcs")}),
    ("Buyer Amy wants to order 1,500 pcs canvas tote + 300 pcs 帆布包.", {("canvas tote", 1500, "pcs"), ("帆布包", 300, "pcs")}),
])
def test_english_order_frames_put_the_product_after_the_count(text, expected):
    assert items(p(text)) == expected


@pytest.mark.parametrize("text", [
    "They need 3 weeks lead time, budget 5w.",
    "She confirmed 2 engineers for the install.",
])
def test_english_frames_without_goods_give_no_line(text):
    assert not p(text)["items"]


def test_two_products_share_a_count_said_by_someone_in_the_next_clause():
    assert items(p("老板看中了我们的实木茶几和藤编边柜，说各要30件先试卖。")) == {("实木茶几", 30, "件"), ("藤编边柜", 30, "件")}


@pytest.mark.parametrize("text,expected", [
    ("她说想换两台磁悬浮风机，等厂长回来再定。", {("磁悬浮风机", 2, "台")}),
    ("她要换两个新探头，问多少钱。", {("新探头", 2, "个")}),
])
def test_replacing_goods_is_an_order(text, expected):
    assert items(p(text)) == expected


def test_a_count_said_on_its_own_counts_the_product_named_before_it():
    assert items(p("她说我们那个白砂糖 每个月要 嗯 二十吨左右")) == {("白砂糖", 20, "吨")}


@pytest.mark.parametrize("text,expected", [
    ("他們要一套含鎳廢水處理設備，處理量每天五十噸。", {("含鎳廢水處理設備", 1, "套")}),  # a plant's capacity
    ("他们要一套飞灰固化设备，日处理三十吨。", {("飞灰固化设备", 1, "套")}),
    ("厂房屋顶光伏，面积大约两万平方。", set()),                                    # a roof's area
])
def test_a_capacity_or_an_area_is_no_order_line(text, expected):
    assert items(p(text)) == expected


@pytest.mark.parametrize("text,expected", [
    ("彩超项目院里批了预算。倪科长担心售后：你们在本市就两个工程师，机器坏了谁来？", set()),
    ("要求我们每家门店派两个促销员。", set()),
    ("要两个热水器，三个除湿机。", {("热水器", 2, "个"), ("除湿机", 3, "个")}),
])
def test_people_counted_are_no_order_line(text, expected):
    assert items(p(text)) == expected


@pytest.mark.parametrize("text", [
    "纸张要用七十克双胶。",          # a paper weight, not an order
    "钱总拍板，年前再说。",          # no quantity, no item
    "monthly 大概 600。",            # an English word is no product, and no unit
])
def test_no_item_from_specs_verbs_or_prose(text):
    assert not p(text)["items"] or all(i["product"] not in ("纸张", "monthly", "拍板") for i in p(text)["items"])


@pytest.mark.parametrize("text", [
    "她说现在用的那家老是延期，想找个备选。",               # the supplier they have, not us
    "之前合作的那家色差太大被客户投诉过。",
    "他们想要独家供货。",                                   # exclusivity asked of us
    "她希望压到15天交货。",                                 # a lead time, not a price
    "先要五十公斤做评估。",                                  # a trial, not a delay
    "第一期先要五十张，二期明年再说。",                      # the rest of the order later
    "他们伺服马达的芯片一直是跟我们拿的。",                   # we are the incumbent
])
def test_complaints_about_others_and_requests_are_no_objection_to_us(text):
    e = p(text)
    assert not ({"competitor", "delivery_time", "quality", "decision_delay", "price"} & set(e["objections"])), e["objections"]


def test_a_complaint_about_our_goods_after_naming_the_incumbent_is_ours():
    assert "quality" in p("他们现在用的是安捷的周转箱，我们的箱子容易裂。")["objections"]


@pytest.mark.parametrize("text,expected", [
    ("下周四前把 drawing 和 quote 一起发过去。", ("2026-03-12", "deadline")),
    ("下周三我再带方案过去。", ("2026-03-11", "followup")),
    ("3月5号再去他们惠州工厂拜访一次。", ("2026-03-05", "meeting")),
    ("9月底出测试报告。", ("2026-09-30", "deadline")),
    ("昨天去银河物业签了外墙涂料的合同。", ("2026-03-01", "deadline")),
])
def test_date_kinds_of_deliverables_and_next_visits(text, expected):
    assert dates(p(text)) == {expected}


# --- rivals from how the customer talks about them -----------------------------------------------

@pytest.mark.parametrize("text,rival", [
    ("目前还有蓝天环保和绿源科技在报。", "绿源科技"),
    ("竞争对手主要是科兴和华兰。", "科兴"),
    ("他说 Yara 的太贵。", "Yara"),
    ("原设计用 TI 的 LDO。", "TI"),
    ("他说 Mouser 现货更快。", "Mouser"),
    ("谷总透露雅化的报价是每吨七万六。", "雅化"),
    ("他们现在装的是大华的。", "大华"),
    ("不然下一季的订单可能要转给艾迈斯。", "艾迈斯"),
])
def test_rivals_from_how_they_are_talked_about(text, rival):
    assert rival in p(text)["competitors"]


@pytest.mark.parametrize("text", [
    "采购经理房姐和生产的两个主管都在。",
    "她说我们送货比原来那家快。",
    "东区的店长茅姐说我们那款沙发卖得不错。",
    "叉车工取证班报了35人。",
])
def test_no_rival_from_people_places_or_words(text):
    assert p(text)["competitors"] == []


@pytest.mark.parametrize("text,name,company", [
    ("明辉铜业的房会计来电，尾款已经打过来了。", "房会计", "明辉铜业"),
    ("优品电商的Lily说PO已经发过来了。", "Lily", "优品电商"),
    ("昨天下午去了中石大化的计量站见了邱站长。", "邱站长", "中石大化"),
])
def test_the_organisation_of_a_desk_or_an_english_contact(text, name, company):
    assert p(text)["customer"] == {"name": name, "company": company}


def test_typed_ten_thousands_before_a_measure_word():
    assert items(p("对乙酰氨基酚片5w盒/年")) == {("对乙酰氨基酚片", 50000, "盒")}


@pytest.mark.parametrize("text,expected", [
    ("他们一直从坚朗拿货，暂时不换。", "competitor"),
    ("福斯特是他们现在的主力供应商，不太可能整个换掉。", "competitor"),
    ("彭经理说他们更信得过安讯士。", "competitor"),
    ("华处长说预算卡得很死，每平方最多一百六。", "budget"),
    ("欧阳主任说资金要等省里拨下来。", "budget"),
])
def test_the_customer_keeps_a_rival_or_lacks_money(text, expected):
    assert expected in p(text)["objections"]


def test_keeping_us_is_no_competitor_objection():
    assert "competitor" not in p("田总说我们服务好，暂时不换。")["objections"]


@pytest.mark.parametrize("text,expected", [
    ("我们报价每公斤六十八。", (68, "quote")),
    ("Jason说沙钢的代理商给到4.05k。", (4050, "competitor_price")),
])
def test_more_money_said_unit_first_or_by_a_rival(text, expected):
    assert expected in money(p(text))


def test_a_periodic_volume_is_no_price():
    assert not p("海运整柜每个月大概三十柜。")["money"]


@pytest.mark.parametrize("text,expected", [
    ("还嫌我们lead time四周太长。", "delivery_time"),
    ("上次那批我们delay了两周。", "delivery_time"),
    ("他说 Siemens 才报 35 万，而且我们 service 点太少。", "service"),
    ("但要求warranty从一年延到三年。", "service"),
    ("说我们的TMS最近老掉线，司机端APP打不开。", "quality"),
    ("邢工说我们3kW的不够，得上6kW的。", "spec"),
])
def test_supplier_side_complaints_in_english_and_typed_words(text, expected):
    assert expected in p(text)["objections"]


@pytest.mark.parametrize("text,expected", [
    ("他们还在等领导批，下下周一回访。", True),
    ("要跟技术那边评估一下，材料要重新做认证。", True),
    ("店长说县里的客户报修要等好几天。", False),       # a service wait, not their decision
    ("先要50 pcs sample做验证。", False),               # our trial
    ("只能等下一批。", False),
])
def test_delays_of_decision(text, expected):
    assert ("decision_delay" in p(text)["objections"]) is expected


@pytest.mark.parametrize("text,rival", [
    ("之前也接触过首钢的代理，但首钢经常缺货。", "首钢"),
    ("参数基本是照着GE写的。", "GE"),
    ("他说以前用过 Netafim 的，service 太慢。", "Netafim"),
])
def test_a_rivals_name_stops_where_the_sentence_goes_on(text, rival):
    assert rival in p(text)["competitors"]


@pytest.mark.parametrize("text,rival", [
    ("今天去了永利物流，车队长说现在走的是顺丰航空，顺丰那边一公斤八块。", "顺丰航空"),   # a brand and its suffix
    ("Met Anna at Polar Foods, 她说 DHL Global Forwarding 给的 rate 比我们低。", "DHL Global Forwarding"),
    ("今天去了海达机械，她说 Siemens 的 SCARA 一台才九万。", "Siemens"),                 # SCARA: a product
])
def test_a_rival_said_in_full_is_taken_in_full(text, rival):
    assert p(text)["competitors"] == [rival]


@pytest.mark.parametrize("text,rivals", [
    ("今天去了华达机械，孙经理说钢板今年的量都给了鞍钢，我们只能做补充。", ["鞍钢"]),     # 钢板今年: words
    ("今天去了美家家居，她说原来的供应商Norland交期只要20天。", ["Norland"]),         # 原来
    ("今天去了金盾建材，老板说这次先给一部分试试，质量稳定再加量。", []),             # a count
    ("今天去了江城五金，老板说以前一直用一汽解放的车，这次想换。", ["一汽解放"]),       # a name that starts with 一
])
def test_words_of_the_sentence_are_no_rival(text, rivals):
    assert p(text)["competitors"] == rivals


@pytest.mark.parametrize("text", [
    "今天下午在立新家电配件厂开会，采购经理周姐和技术吴工都在。",
    "今天在恒达机械开会，生产副总刘总和设备部都在，他们想上一条喷涂线。",
])
def test_a_contact_with_their_role_is_no_rival(text):
    assert p(text)["competitors"] == []


def test_a_rivals_name_never_grows_onto_the_contact():
    assert p("今天去了大明机械，Kevin Zhou 说汇川那边便宜。")["competitors"] == ["汇川"]


@pytest.mark.parametrize("text,rival", [
    ("今天去了华泰电机，采购说轴承一直从恒瑞精工那边拿货。", "恒瑞精工"),
    ("今天去了鑫源包装，老板说纸箱都跟宏润纸业买，关系很铁。", "宏润纸业"),
    ("今天去了康达药业，阿莫西林一直是济华制药供货，说合作稳定。", "济华制药"),
    ("今天去了瑞丰门窗，她说以前是找福顺物流做的，服务太差想换。", "福顺物流"),
    ("Met Linda at Nordwind Foods, 她说现在的 supplier 是 Blue Harbor Seafood，合同年底到期。", "Blue Harbor Seafood"),
    ("今天去了明达电子，他们也问了Kestrel，但Kestrel交期太长。", "Kestrel"),
    ("嗯 今天去了德信电力 然后恒远电气那边一台六万五 我们六万八", "恒远电气"),
])
def test_the_supplier_they_buy_from_or_asked(text, rival):
    assert rival in p(text)["competitors"]


@pytest.mark.parametrize("text", [
    "今天去了祥瑞劳务，他们之前一直在附近五金店零买，价格贵还开不了票。",  # a shop nearby, unnamed
    "今天去了远大幕墙，我说回去跟工厂协调，明天给准信。",               # our own factory
    "今天去了海工重装，周科长问了问桥式起重机，没给数量。",              # a product asked about
    "万达影城的屈经理说他们在考虑同时买冰淇淋机。",
    "今天去了华兴超市，店长说这些都在网上买的。",
])
def test_buying_somewhere_names_no_rival(text):
    assert p(text)["competitors"] == []


@pytest.mark.parametrize("text,rivals", [
    ("今天去了德宝精工，杭工拿出一张表：基恩士单价5800，康耐视5200，我们4300。", {"基恩士", "康耐视"}),
    ("今天去了鸿运机电，我们 quote 2.28w/t 含喷涂。景工说坚美 quote 2.19w。", {"坚美"}),
    ("今天去了华翔电子，她说BD's price 85/box, 我们92, 希望我们降一点。", {"BD"}),
    ("电解液招标结果出来了：天赐 11.2w/吨，新宙邦 11.6w，我们 11.9w。", {"天赐", "新宙邦"}),
])
def test_a_rivals_price_said_bare_beside_ours(text, rivals):
    assert rivals <= set(p(text)["competitors"])


@pytest.mark.parametrize("text", [
    "今天去了福源烘焙，我报的彩盒1.35、外箱3.8，他说贵了。",              # our own list of products
    "Sarah 说口罩每月 3k 盒, 一次性手术衣 1.5k 件, 我们报 42。",         # counts, not prices
    "项目要 TOPCon 组件：先备20k，钽电容10uF要3k，我们报0.72元/W。",     # counts and a product code
])
def test_products_priced_or_counted_are_no_rival(text):
    assert p(text)["competitors"] == []


@pytest.mark.parametrize("text", [
    "他们要扩建一条电解液产线，需要我们的锂盐。",        # a production line, not an order of one
    "他说预算卡得很死一台不能超过三万五。",              # a price limit per unit
    "我们的焊条跟大桥的比起来贵了一块多一公斤。",        # a price difference per kilo
])
def test_one_of_something_that_is_no_order(text):
    assert not [i for i in p(text)["items"] if i["quantity"] == 1]


def test_an_order_of_one_stays():
    assert items(p("办公楼改造要中央空调多联机一套。")) == {("中央空调多联机", 1, "套")}


# --- a product named first, its quantity later; who wants it is no part of it ----------------------

@pytest.mark.parametrize("text,expected", [
    ("刘总说明年要换一批变频水泵，一期先上60台。", {("变频水泵", 60, "台")}),
    ("跟采购部的宋经理谈防火卷帘门的长单。他们下半年每月大概三百樘。", {("防火卷帘门", 300, "樘")}),
    ("找蒋工聊那个激光打标机的事情 他们今年要两台", {("激光打标机", 2, "台")}),
    ("柯老板要机油和齿轮油各80桶。", {("机油", 80, "桶"), ("齿轮油", 80, "桶")}),
    ("她要我们的白茶和红茶各三十箱。", {("白茶", 30, "箱"), ("红茶", 30, "箱")}),
    ("想试试我们的硅负极，先要两百公斤做个小试。", {("硅负极", 200, "公斤")}),
])
def test_a_product_named_before_its_quantity(text, expected):
    assert items(p(text)) == expected


# --- two products sharing one quantity (A和B各N), however the 各 is said -----------------------------

@pytest.mark.parametrize("text,expected", [
    ("门店那边货架和展示柜各要六十组，月底前到。", {("货架", 60, "组"), ("展示柜", 60, "组")}),
    ("周总说车间要补一批安全鞋和防护手套，各两百双。", {("安全鞋", 200, "双"), ("防护手套", 200, "双")}),
    ("Oolong 和 Jasmine 每月各 40 箱，老价格。", {("Oolong", 40, "箱"), ("Jasmine", 40, "箱")}),
    ("KX-10阀门和KX-12阀门各150 pcs，下周发。", {("KX-10阀门", 150, "pcs"), ("KX-12阀门", 150, "pcs")}),
])
def test_two_products_share_one_quantity(text, expected):
    assert items(p(text)) == expected


@pytest.mark.parametrize("text,found,expected", [
    ("二号仓要了二十套消防面罩，月底送。", "二号仓", "消防面罩"),
    ("码头要三百吨镀锌钢丝，货期一个月。", "码头", "镀锌钢丝"),
    ("她说那个除湿机 要六台 钱不是问题", "除湿机", "除湿机"),  # after a pause the sentence goes on
    ("除湿机六台，月底送。", "除湿机", "除湿机"),  # no ordering verb between: the phrase is the product
])
def test_who_orders_before_the_number_and_what_after_it(text, found, expected):
    """Whatever phrase a model found before the number, with an ordering verb between them it is who
    orders, and the noun right after the number is what is ordered."""
    from nlu import items as item_rules
    from nlu.note import Note
    from nlu.numbers import find_quantities

    note = Note.build(text, datetime(2026, 3, 1), None)
    q = find_quantities(note.text, units=item_rules._units(note))[0]
    _, end = item_rules._unit_of(note.text, q)
    assert item_rules._object_after(note, q, end, found) == expected


# --- a model code or a spec glued to a product's name is part of it -------------------------------

@pytest.mark.parametrize("text,expected", [
    ("Tom 说 K9 LED灯条先要 600 pcs。", {("K9 LED灯条", 600, "pcs")}),
    ("采购问AB12C接触器有没有现货，要三百只。", {("AB12C接触器", 300, "只")}),
    ("初步要四轴机械臂6台、视觉模组两套。", {("四轴机械臂", 6, "台"), ("视觉模组", 2, "套")}),
    ("他们那个屋顶项目 110千瓦逆变器要二十台 然后", {("110千瓦逆变器", 20, "台")}),
    ("佐藤：Q235槽钢80x4，共150MT，价格照旧。", {("Q235槽钢80x4", 150, "MT")}),
    ("买家：EPDM 4045 25t/月，CIF。", {("EPDM 4045", 25, "t")}),
    ("新产线要上，伺服电机400W 30套，下周报价。", {("伺服电机400W", 30, "套")}),    # watts typed before a count
    ("清单：组串式逆变器 50kW 12台，支架另算。", {("组串式逆变器 50kW", 12, "台")}),  # a rating is no line of its own
])
def test_a_code_or_spec_glued_to_the_name_is_part_of_it(text, expected):
    assert items(p(text)) == expected


@pytest.mark.parametrize("text,expected", [
    ("他们下个月要螺纹钢 HRB400的 大概五百吨", {("螺纹钢", 500, "吨")}),   # said of it after, with 的
    ("他们要钢管20台的量。", None),                                      # a count is no code
])
def test_what_is_said_after_the_name_is_no_code(text, expected):
    found = items(p(text))
    if expected is None:
        assert not any(product and product.startswith("钢管2") for product, _, _ in found)
    else:
        assert found == expected


@pytest.mark.parametrize("text,expected", [
    ("船用钢板Q345，首批600吨，月底前到厂。", {("船用钢板Q345", 600, "吨")}),         # a first batch alone is the order
    ("刹车片一共两千套，首批一千套下周送。", {("刹车片", 2000, "套")}),               # ... but the first part of a larger one is not
    ("他们今年要更换一批电子天平，大概十五台。", {("电子天平", 15, "台")}),          # the thing after the batch word
])
def test_first_batches_and_batches_wanted(text, expected):
    assert items(p(text)) == expected


def test_what_someone_ordered_comes_after_the_number():
    assert items(p("联华配件的梁经理要的60个油封，后天送过去。")) == {("油封", 60, "个")}


@pytest.mark.parametrize("text,expected", [
    ("他们酒店想上我们的床垫和床架，各先拿二十套。", {("床垫", 20, "套"), ("床架", 20, "套")}),
    ("货架和推车想各订40组。", {("货架", 40, "组"), ("推车", 40, "组")}),
])
def test_each_with_an_adverb_before_or_after(text, expected):
    assert items(p(text)) == expected


@pytest.mark.parametrize("text,expected", [
    ("农场订了喷灌带2k米，周六送到。", {("喷灌带", 2000, "米")}),        # 带 closing a name is no verb
    ("要一台录像机带十六路。", {("录像机", 1, "台")}),                  # what the product comes with is no line
    ("下周带两个工程师过去。", set()),                                  # nor who comes along
    ("婚庆公司要寿宴套餐60桌。", {("寿宴套餐", 60, "桌")}),
    ("全村报了户用光伏五十户。", {("户用光伏", 50, "户")}),
])
def test_brought_goods_and_order_measure_words(text, expected):
    assert items(p(text)) == expected


@pytest.mark.parametrize("text,expected", [
    ("公交公司要电动空调，年需求估计八百台左右。", {("电动空调", 800, "台")}),
    ("电池包的铝壳体，年量2w套，但要IATF。", {("铝壳体", 20000, "套")}),
])
def test_a_yearly_volume_said_after_the_product(text, expected):
    assert items(p(text)) == expected


@pytest.mark.parametrize("text,expected", [
    ("她说烘干机先要十台看看效果怎么样", {("烘干机", 10, "台")}),               # what is done after is no product
    ("我们的门铰链 他们要先拿三十个回去测 测完再说", {("门铰链", 30, "个")}),
    ("车队说雨刮今年想统一换 大概需要两百副", {("雨刮", 200, "副")}),             # what is done is no product
])
def test_what_is_done_with_it_is_no_product(text, expected):
    assert items(p(text)) == expected


@pytest.mark.parametrize("text,expected", [
    ("准备上两条齿轮加工线，数控车床大概要十台。", {("数控车床", 10, "台")}),   # lines being built are no order
    ("想先拿三条产线试点。", set()),
    ("他们要网线两百条。", {("网线", 200, "条")}),                                # a cable counted by 条 still is
    ("PVC粒料要四十吨，噢不对，后来改口说五十吨，先发一部分过去。", {("PVC粒料", 50, "吨")}),  # 一部分 is no count
])
def test_production_lines_and_parts_are_no_order_lines(text, expected):
    assert items(p(text)) == expected


@pytest.mark.parametrize("text,expected", [
    ("周主任说，阿莫西林胶囊他们一个月大概用六千盒，库存还够。", {("阿莫西林胶囊", 6000, "盒")}),
    ("设备部蒋主任说MOS管他们每月大概用5万颗。", {("MOS管", 50000, "颗")}),
])
def test_the_topic_opening_the_clause_is_what_it_counts(text, expected):
    assert items(p(text)) == expected


@pytest.mark.parametrize("text,topic", [
    ("周主任说，阿莫西林胶囊他们一个月大概用六千盒。", "阿莫西林胶囊"),
    ("设备部蒋主任说MOS管他们每月大概用5万颗。", "MOS管"),
    ("他说明年大概三百台。", None),                    # no noun opens the clause
])
def test_the_clause_topic_rule_on_its_own(text, topic):
    """The rule behind the labellers: whatever the models say, the topic is found from the words."""
    from nlu import items as item_rules
    from nlu.note import Note
    from nlu.numbers import find_quantities

    note = Note.build(text, datetime(2026, 3, 1), None)
    q = find_quantities(note.text, units=item_rules._units(note))[-1]
    assert item_rules._clause_topic(note, q, [], set()) == topic


def test_each_with_one_product_named_is_one_line():
    assert items(p("螺杆泵各要两台。")) <= {("螺杆泵", 2, "台")}


@pytest.mark.parametrize("text", [
    "说明书一年大约五十万张。",          # 说 opens the product's own name
    "谈判桌要六张。",
])
def test_a_product_that_starts_like_a_verb_keeps_its_name(text):
    assert {i["product"] for i in p(text)["items"]} <= {"说明书", "谈判桌"} and p(text)["items"]


# --- a complaint goes on about the rival or the supplier they have ---------------------------------

@pytest.mark.parametrize("text", [
    "目前用的是欧姆龙，但交期太长，想导入第二供应商。",
    "之前一直用博世的，但是最近博世老断货。",
    "他们之前跟索菲亚谈过，但索菲亚交期要六十天，他们等不了。",
])
def test_a_complaint_about_the_rival_goes_on_in_the_next_clause(text):
    e = p(text)
    assert "delivery_time" not in e["objections"], e["objections"]


@pytest.mark.parametrize("text,category", [
    ("目前用的是欧姆龙。他嫌我们交期太长。", "delivery_time"),            # a new sentence, a new subject
    ("华为的逆变器质保十年，我们只有五年。", "service"),                 # of us after all
    ("他们现在用的是西门子，我们的变频器兼容性不好。", "spec"),
])
def test_a_complaint_about_us_after_naming_the_rival_is_ours(text, category):
    assert category in p(text)["objections"]


# --- charges and deposits named after the number; the customer's target --------------------------

@pytest.mark.parametrize("text,expected", [
    ("商场要我们先交三万保证金。", {(30000, "other")}),
    ("他们每个单品收一千五的条码费。", {(1500, "other")}),
    ("签约前要交二十万的履约保证金。", {(200000, "other")}),
    ("我报了每箱八十五，他的目标是七十。", {(85, "quote"), (70, "other")}),
    ("他说目标价是两万八。", {(28000, "other")}),
])
def test_charges_deposits_and_targets_are_other_money(text, expected):
    assert money(p(text)) == expected


@pytest.mark.parametrize("text", [
    "他们要三万套保温杯。",          # a count, not a deposit
    "保证金的事下周再谈。",          # no amount
])
def test_no_charge_without_an_amount(text):
    assert not p(text)["money"]


@pytest.mark.parametrize("text,expected", [
    ("说要一百台挂机 然后还有二十台柜机 他说预算卡得紧", {("挂机", 100, "台"), ("柜机", 20, "台")}),
    ("首批先进两千盒板蓝根颗粒。", {("板蓝根颗粒", 2000, "盒")}),
    ("邵经理要用高镍正极NCM811，每年两百吨。", {("高镍正极NCM811", 200, "吨")}),
])
def test_a_first_batch_and_a_joined_second_product_are_items(text, expected):
    assert items(p(text)) == expected


def test_the_first_batch_of_a_stated_order_is_no_second_item():
    assert items(p("轴承一共要两千套，第一批先送一千套。")) == {("轴承", 2000, "套")}


# --- terms stated, requirements stated, their own shortfalls: no objection ------------------------

@pytest.mark.parametrize("text", [
    "付款是每批货到后45天。",                          # the terms, undisputed
    "要了彩色卡纸50包和胶棒100支。",                    # a product's name, not a paper jam
    "他们要CCS认证的船板，二百八十吨。",                 # a requirement stated
    "他们现在的沼气池不够用，想上一套固液分离机。",       # their own equipment falls short
    "另外金港酒店那边还没回消息。",                     # no answer yet
    "要求MOQ再低一点。",                                # the minimum order, not our price
    "单价我们报1350，他们预算是每块1200以内，差得有点多。",  # the budget's gap
])
def test_no_objection_from_stated_terms_requirements_or_names(text):
    e = p(text)
    assert not ({"payment_terms", "quality", "spec", "service", "price"} & set(e["objections"])), e["objections"]


@pytest.mark.parametrize("text,category", [
    ("她要求货到90天付款，我们最多给60天。", "payment_terms"),
    ("日本客户要求GOTS认证，我们还没有。", "spec"),
    ("我们报十二块一只，他说比别人家贵太多了。", "price"),
])
def test_disputed_terms_and_unmet_requirements_stay_objections(text, category):
    assert category in p(text)["objections"]


@pytest.mark.parametrize("text,name", [
    ("在恒力汽配开会 那个采购经理叫林海峰 他说一年要一千吨", "林海峰"),
    ("去了趟好味来烘焙，见了品控经理殷晓雯。", "殷晓雯"),
    ("去了一趟宏牧养殖场 跟场长董建军聊了挺久", "董建军"),
])
def test_a_full_name_introduced_by_its_role(text, name):
    assert p(text)["customer"]["name"] == name


@pytest.mark.parametrize("text", [
    "见了采购经理，聊春节备货。",        # a role with no name
    "跟厂长说了下周送货。",
])
def test_no_full_name_from_a_role_alone(text):
    assert (p(text)["customer"] or {}).get("name") is None


def test_the_role_before_a_full_name_is_no_company():
    assert p("去了一趟宏牧养殖场 跟场长董建军聊了挺久")["customer"]["company"] == "宏牧养殖场"


def test_a_note_that_opens_with_a_recent_day_reports_it():
    e = parse("4月10日在仁爱医院药剂部跟叶主任开会。", datetime.fromisoformat("2026-04-12T18:00:00+08:00"))
    assert ("2026-04-10", "meeting") in dates(e)


@pytest.mark.parametrize("text,expected", [
    ("他们环氧树脂每月大概用三十吨，现在主要用南亚的。", {("环氧树脂", 30, "吨")}),
    ("店小，一个月就用二十公斤改良剂。", {("改良剂", 20, "公斤")}),
    ("谈的是我们的阿莫西林胶囊总代的事 他说代理可以谈但是首批得压货两万盒", {("阿莫西林胶囊", 20000, "盒")}),
])
def test_periodic_use_by_weight_and_stocking_are_volumes(text, expected):
    assert items(p(text)) == expected


def test_what_they_use_per_acre_is_no_order():
    assert not p("一亩地用两袋复合肥。")["items"]


# --- the organisation visited, not its department or the place it is in ---------------------------

@pytest.mark.parametrize("text,company", [  # the organisation said, taken back and said again
    ("嗯 刚从蜜雪冰城的 不对 是从古茗的区域仓出来 仓储的唐主管说果糖每个月要十二吨", "古茗"),
    ("今天去了宏达机械 不是 是宏远机械 李经理说要三台", "宏远机械"),
    ("今天去了华丰五金，李经理说不是要三台，是要五台。", "华丰五金"),  # a quantity corrected
])
def test_the_organisation_the_rep_corrected_to(text, company):
    assert p(text)["customer"]["company"] == company


def test_the_organisation_taken_back_is_no_rival():
    e = p("那个 今天下午去了晨光文具 不是 是星河文具 采购主管王姐说笔记本要一万本")
    assert (e["customer"]["company"], e["competitors"]) == ("星河文具", [])


@pytest.mark.parametrize("text,company", [  # the rules took a word of the sentence; the labeller finds the name
    ("上午去了鸿达电器的采购中心，接待的是配套科的钱科长，他们要膨胀螺栓两万颗。", "鸿达电器"),
    ("今天下午在远航汽车研究院做了技术交流，主导的是数字化部的池部长。", "远航汽车研究院"),
    ("今天下午在立新家电配件厂开会，采购经理周姐和技术吴工都在。", "立新家电配件厂"),
    ("今天去了顺安汽车集团售后总部，见服务总监宋总，他们要涡轮增压器二十台。", "顺安汽车集团"),
])
def test_the_organisation_not_words_of_the_sentence_around_the_contact(text, company):
    assert p(text)["customer"]["company"] == company


@pytest.mark.parametrize("text,company", [
    ("今天下午到新竹的鼎新半导体开会，采购课的林课长说要八万颗。", "鼎新半导体"),
    ("上午在卓远动力开会，技术中心的尹主任牵头。", "卓远动力"),
    ("刚从宏图职业技术学院出来 见了继续教育学院的韦院长", "宏图职业技术学院"),
    ("今天跑了两家 上午先去的蓝海印染 那个厂长姓彭 彭厂长 他们要双氧水", "蓝海印染"),
    ("瑞安保险培训部龚经理定了销售话术课80人。", "瑞安保险"),
    ("顺发五金批发部 邱老板：膨胀螺丝两万个。", "顺发五金批发部"),
])
def test_the_company_is_the_organisation_visited(text, company):
    assert p(text)["customer"]["company"] == company


@pytest.mark.parametrize("text,expected", [
    ("总价22.95w已确认，含安装。", {(229500, "deal")}),
    ("叶总说马可波罗给的是50，让我们再降降。", {(50, "competitor_price")}),
    ("她说之前问过一家报的每平八十五，我们报的九十八。", {(85, "competitor_price"), (98, "quote")}),
    ("他说报十二块一只太高了，别人家九块就有。", {(12, "quote"), (9, "competitor_price")}),
    ("我们报0.035/pcs，她说扬杰才0.03。", {(0.035, "quote"), (0.03, "competitor_price")}),
    ("礼盒每份一百六十八，总价十八万四千八，采购总监当场定了我们的。", {(168, "quote"), (184800, "deal")}),
])
def test_rivals_prices_typed_totals_and_deals(text, expected):
    assert money(p(text)) == expected


def test_a_power_after_a_number_is_no_money():
    assert not p("580W单晶组件要两百块。")["money"]  # watts, then pieces


@pytest.mark.parametrize("text,category", [
    ("季总说明年设备采购计划压缩了三成。", "budget"),
    ("课时费我们报每课时800，处长说学院标准是600封顶。", "budget"),
    ("上次那批标签粘性不够，贴上去起翘。", "quality"),
    ("说上一家的退货率太高，对我们也不太放心。", "quality"),
    ("岳经理说要我们也加两个点，不然就少进一点。", "price"),
    ("问能不能按批发价给。", "price"),
    ("他说如果每吨涨三千他就不做了。", "price"),
    ("担心我们西北线路覆盖不够。", "service"),
    ("范工说高温下感值掉得厉害，要我们改一版。", "spec"),
    ("她要求首付30%，剩下T/T 60天。", "payment_terms"),
])
def test_more_ways_customers_object(text, category):
    assert category in p(text)["objections"]


def test_stated_tt_terms_are_no_objection():
    assert "payment_terms" not in p("付款T/T 30天，下周发货。")["objections"]


@pytest.mark.parametrize("text,expected", [
    ("葛总：280Ah电芯月需求约3k颗，先送20颗电芯做循环测试。", {("280Ah电芯", 3000, "颗"), ("电芯", 20, "颗")}),
    ("尚工要借5块FPGA开发板做评估。", {("FPGA开发板", 5, "块")}),
    ("白科长说今年采购计划里有五台除颤仪。", {("除颤仪", 5, "台")}),
    ("茅姐说我们那款布艺沙发卖得不错，想再加十五套。", {("布艺沙发", 15, "套")}),
    ("确认了PVDF粘结剂的年度框架：年用量按一百五十吨谈的。", {("PVDF粘结剂", 150, "吨")}),
])
def test_trials_loans_plans_and_things_spoken_of(text, expected):
    assert items(p(text)) == expected


@pytest.mark.parametrize("text", [
    "仓库里还有五台旧机器。",              # what they have
    "规格十二到二十五的都要，大概五百吨。",   # a range is no product
])
def test_no_product_from_what_they_have_or_a_range(text):
    assert all(i["product"] not in ("旧机器", "十二到二十五") for i in p(text)["items"])


def test_a_traditional_product_with_english_keeps_its_writing():
    e = p("永豐科技的呂經理確認了，USB Type-C連接器五萬個。")
    assert items(e) == {("USB Type-C連接器", 50000, "個")}


@pytest.mark.parametrize("text,expected", [
    ("还要扣5000块质量罚款。", {(5000, "other")}),
    ("我们报0.45元/Wh，说海辰给的0.43。", {(0.45, "quote"), (0.43, "competitor_price")}),
    ("target price 28/盒，我们 list price 是 32。", {(28, "other"), (32, "quote")}),
])
def test_fines_rivals_and_english_price_words(text, expected):
    assert money(p(text)) == expected


@pytest.mark.parametrize("text,category", [
    ("薄总问能不能年付打八折。", "price"),
    ("谭经理担心我们的摄像机在冷库低温下扛不住，觉得质量没保障。", "quality"),
])
def test_a_discount_asked_and_doubts_about_our_goods(text, category):
    assert category in p(text)["objections"]


@pytest.mark.parametrize("text", [
    "合同下周四签，总价八十六万，审批已经走完了。",   # the approval is done
    "尚工要借5块FPGA开发板做评估。",                  # a trial of ours
])
def test_no_delay_when_the_approval_is_done_or_a_trial_is_ours(text):
    assert "decision_delay" not in p(text)["objections"]


def test_an_expired_certificate_is_no_quality_complaint():
    assert "quality" not in p("我们的证书六月份过期了还没续。")["objections"]


@pytest.mark.parametrize("text,expected", [
    ("约好了，明天带他们到展厅看激光切割机演示。", ("2026-03-03", "meeting")),
    ("下周一给田主任寄两盒血糖试纸，做个比对测试。", ("2026-03-09", "trial")),
    ("尚工要借5块FPGA开发板做评估，下周一我安排寄出。", ("2026-03-09", "trial")),
])
def test_a_date_takes_the_purpose_of_the_visit_or_the_shipment(text, expected):
    assert expected in dates(p(text))


def test_a_shipment_with_no_trial_stays_a_delivery():
    assert ("2026-03-09", "delivery") in dates(p("下周一送两百箱，他们验货。"))


@pytest.mark.parametrize("text,company", [
    ("今天加班跑了趟东莞的伟业模具，林老板想买两台CNC雕铣机。", "伟业模具"),
    ("去了一趟城南的天成五金批发部找尤老板 他说焊条贵了", "天成五金批发部"),
])
def test_the_organisation_visited_after_its_town(text, company):
    assert p(text)["customer"]["company"] == company


@pytest.mark.parametrize("text,bad", [
    ("她们想 switch supplier，monthly 大概 600 盒。", "monthly"),
    ("capacity 2000吨/天，budget around 4.5M。", "capacity"),
    ("他们信息部的常部长还有生产部两个主管都在。", "生产部"),
    ("颜色要五个色。", "颜色"),
])
def test_english_prose_departments_and_attributes_are_no_products(text, bad):
    assert all(i["product"] != bad for i in p(text)["items"])


def test_a_chemical_name_keeps_its_first_character():
    assert ("对乙酰氨基酚片", 50000, "盒") in items(p("对乙酰氨基酚片要五万盒。"))


def test_a_visited_name_goes_on_past_a_verb_inside_it():
    e = p("今天下午到长荣药品批发跟岳经理谈年底备货。岳经理说修正药业给的返点高，要我们也加两个点。")
    assert e["customer"]["company"] == "长荣药品批发" and "修正药业" in e["competitors"]


def test_a_numeral_inside_a_word_after_the_cue_is_no_correction():
    assert repair("要两吨，哦不对，他算了一下。")[0] == "要两吨，哦不对，他算了一下。"


@pytest.mark.parametrize("text,company", [
    ("拜访一下金鹰重工张总，他们要两台空压机。", "金鹰重工"),
    ("从远大建材回来，王经理要两百吨水泥。", "远大建材"),
])
def test_movement_words_are_no_part_of_the_company(text, company):
    assert p(text)["customer"]["company"] == company


def test_a_counting_noun_that_starts_a_longer_word_is_the_product():
    assert items(p("仓库主管说要四十个托盘。")) == {("托盘", 40, "个")}


# --- the issue's own phenomena, in examples written for these tests -------------------------------

def test_a_time_word_is_no_product():
    assert all(i["product"] != "量产以后" for i in p("焊接机器人他们量产以后大概要3套。")["items"])


def test_two_products_share_one_clause():
    assert items(p("要五十台空压机和二十台干燥机。")) == {("空压机", 50, "台"), ("干燥机", 20, "台")}


def test_typed_thousands_per_month_are_a_price():
    assert money(p("3k/月的服务费他们觉得可以。")) == {(3000, "quote")}


@pytest.mark.parametrize("text,objects", [
    ("账期是月结60天，我们保证质量。", False),          # our own terms stated
    ("账期是九十天，太长了。", True),                    # disputed
    ("他说华帝给的账期是九十天，我们只给六十。", True),     # a rival's better terms
])
def test_terms_stated_or_disputed(text, objects):
    assert ("payment_terms" in p(text)["objections"]) is objects


def test_an_english_verb_is_no_product():
    assert all(i["product"] != "wants" for i in p("buyer Kevin from Harborview Foods wants 500 pcs gloves.")["items"])


def test_a_meeting_verb_after_a_trip_is_no_company():
    assert (p("下周三过去一趟见面谈。")["customer"] or {}).get("company") is None


@pytest.mark.parametrize("text,expected", [
    ("刘总要一批安全帽，大概三百顶。", {("安全帽", 300, "顶")}),
    ("张总说👍 先来二十箱矿泉水 #跟进", {("矿泉水", 20, "箱")}),
])
def test_a_count_in_the_clause_after_the_wish_and_先来(text, expected):
    assert items(p(text)) == expected


def test_a_duration_after_a_wish_is_no_order():
    assert not p("张总说要看看样品，大概两周。")["items"]


def test_a_price_by_the_day():
    e = p("一个车位一天十块，要两百个车位。")
    assert money(e) == {(10, "quote")} and items(e) == {(None, 200, "车位")}


@pytest.mark.parametrize("text,objects", [
    ("我说账期最多给45天，她不太乐意。", True),     # she rejects our terms
    ("我说账期最多给45天，他不同意。", True),
    ("我说账期最多给45天，她满意。", False),         # no displeasure
    ("我说下周送货，他很高兴。", False),
])
def test_the_customers_displeasure_makes_our_terms_an_objection(text, objects):
    assert ("payment_terms" in p(text)["objections"]) is objects


@pytest.mark.parametrize("text,name", [
    ("今天 follow up call with Dr. Amy 郭 from Riverside Hospital：她们想换供应商。", "Amy 郭"),
    ("Met 农场主 Jack 阎 at Sunny Valley Farm，他们要 40 吨。", "Jack 阎"),
    ("先到蓝海科技，前台负责采购的小冯说下个月要换饮水机。", "小冯"),
    ("仓库主管老刘说要四十个托盘。", "老刘"),
])
def test_bilingual_and_familiar_names(text, name):
    assert p(text)["customer"]["name"] == name


@pytest.mark.parametrize("text", ["他的小孩说想要两台。", "跟老大说了。"])
def test_no_familiar_name_without_a_surname(text):
    assert (p(text)["customer"] or {}).get("name") is None


def test_a_rivals_lower_price_in_a_dictated_run():
    e = p("他说太贵了立讯那边只要十块然后他说下周三之前给他回个话")
    assert "立讯" in e["competitors"] and (10, "competitor_price") in money(e)
    assert ("2026-03-11", "deadline") in dates(e)


@pytest.mark.parametrize("text,objects", [
    ("Kevin 说 Oatly 便宜。", True),
    ("他说华为的价格更低。", True),
    ("我们比华为便宜。", False),
])
def test_a_rival_named_as_the_cheaper_one(text, objects):
    assert ("price" in p(text)["objections"]) is objects


@pytest.mark.parametrize("text,objects", [
    ("老板觉得我们的年费比Salesforce还贵，要再想想。", True),
    ("他嫌我们的黄酒比古越龙山的贵。", True),
    ("采购说我们的报价比海康高。", True),
    ("他说华为比我们贵不少。", False),
    ("他说我们的破损率比华兴玻璃高。", False),  # a property, not the price
    ("我们觉得比海康还贵。", False),  # our side speaking
])
def test_we_are_dearer_than_a_rival_however_long_its_name(text, objects):
    assert ("price" in p(text)["objections"]) is objects


@pytest.mark.parametrize("text,objects", [
    ("他说宝武那边一吨报的四千二，问我们能不能跟。", True),
    ("Linda 说 Murata 给到 0.31，让我们 match。", True),
    ("他说隔壁厂一箱才五十八，让我们看着办。", True),
    ("他说宝武那边一吨报的四千二。", False),  # named, not pressed on
])
def test_a_rivals_price_we_are_asked_to_meet_is_a_price_objection(text, objects):
    assert ("price" in p(text)["objections"]) is objects


@pytest.mark.parametrize("text,amount", [
    ("Linda 说 Murata 给到 0.31，让我们 match。", 0.31),
    ("他说村田那边给到1.25。", 1.25),
])
def test_a_rivals_offer_is_its_price(text, amount):
    assert (amount, "competitor_price") in money(p(text))


def test_the_customers_own_target_stays_other():
    assert (1.25, "other") in money(p("他想给到1.25。"))


@pytest.mark.parametrize("text,objects", [
    ("他说宝武报的四千二问我们能不能跟我说我回去请示一下周四给他电话", {"price"}),
    ("他要我们垫资 我说这个要请示 下周给他答复", set()),
    ("报价我们这边还拿不准，得回去跟大区经理商量一下。", set()),
    ("我说我回去请示一下 他说那就再考虑考虑", {"decision_delay"}),  # the customer speaks again
    ("我说账期最多给45天 她不太乐意 说再商量", {"payment_terms", "decision_delay"}),
    ("王工说他们用的是一家叫力合的响应很快我们这边售后要排队", {"service"}),  # the customer describing us
])
def test_a_dictated_run_that_turns_to_our_side(text, objects):
    assert set(p(text)["objections"]) - {"competitor"} == objects


@pytest.mark.parametrize("text,category,objects", [
    ("他说上回送的几箱奶粉结块了。", "quality", True),
    ("采购说我们那批轴承有几个异响。", "quality", True),
    ("他对我们的焊接工艺还是不太放心。", "quality", True),
    ("他要FDA认证，我们目前只有CE。", "spec", True),
    ("他们说没有UL认证就进不了北美。", "spec", True),
    ("还要走学校的采购流程。", "decision_delay", True),
    ("付款要走他们集团的流程，一般九十天。", "decision_delay", False),  # the payment's process
    ("她说主要是从博世那边拿货。", "competitor", True),
    ("他们还是从中联那边买。", "competitor", True),
    ("他说再晚就换供应商。", "competitor", False),  # a threat, not a choice made
    ("他说之前我们家的那个布袋用了半年就破了。", "competitor", False),  # our own history
])
def test_more_ways_of_objecting(text, category, objects):
    assert (category in p(text)["objections"]) is objects


@pytest.mark.parametrize("text,rivals", [
    ("之前一直从宝钢的代理商拿货，他说我们比宝钢代理贵了三百。", {"宝钢"}),
    ("他说之前用Bosch的，太贵了。", {"Bosch"}),
    ("他们想把现在用的美敦力换掉一半。", {"美敦力"}),
    ("他说Axis跟Hanwha都有报价。", {"Axis", "Hanwha"}),
    ("Raj says POSCO 和 JFE 都有 offer。", {"POSCO", "JFE"}),
    ("招标的竞争对手有 Radiometer 和沃芬。", {"Radiometer", "沃芬"}),
    ("另外在跟的两家是东软和太极。", {"东软", "太极"}),
    ("她说目前 main supplier 是 Quectel。", {"Quectel"}),
    ("现供应商是珠海中富，交期稳定。", {"珠海中富"}),
])
def test_a_rivals_name_without_the_sentences_words(text, rivals):
    assert set(p(text)["competitors"]) == rivals


@pytest.mark.parametrize("text,facts", [
    ("她说JFE那边是RMB 6,150/t，我们6,380/t，要我们match。", {(6150, "competitor_price"), (6380, "quote")}),
    ("隆基给他们的是0.68元/W，我们0.70。", {(0.68, "competitor_price"), (0.7, "quote")}),
    ("他说欧派报的一套四千一 我们报的四千八 还是价格的问题", {(4100, "competitor_price"), (4800, "quote")}),
    ("然后特来电那边一台六万五我们六万八他希望我们做到六万三", {(65000, "competitor_price"), (68000, "quote"), (63000, "other")}),
])
def test_our_price_set_against_a_rivals(text, facts):
    e = p(text)
    assert money(e) == facts and "price" in e["objections"]


@pytest.mark.parametrize("text,facts", [
    ("报价两万，我们30台起订。", {(20000, "quote")}),  # a quantity, not a price
    ("我们报了16.5，要我们6/9前送样。", {(16.5, "quote")}),  # a date
    ("单价800，我们2026年再看。", {(800, "quote")}),  # a year
])
def test_a_number_after_we_that_is_no_price(text, facts):
    assert money(p(text)) == facts


@pytest.mark.parametrize("text,company", [
    ("上午在华能燃气计量所见了薛所长，流量计要二十台。", "华能燃气"),
    ("在远洋地产采购中心开会，吕总说窗帘要三百套。", "远洋地产"),
    ("去了滨海电厂热控车间，卓主任说变送器先买十台。", "滨海电厂"),
    ("去了江南理工学院材料学院，找的房老师，试验机要一台。", "江南理工学院"),
    ("长乐社区服务中心苏主任说净化器要二十台。", "长乐社区服务中心"),  # not a department
])
def test_the_organisation_not_its_department(text, company):
    assert (p(text)["customer"] or {}).get("company") == company


@pytest.mark.parametrize("text,company", [
    ("PO from Bolt & Nut Trading (Mike): 6205轴承 2w, FOB Ningbo.", "Bolt & Nut Trading"),
    ("與 Evergreen Coatings 的 purchasing manager Amy Lin 開了視訊會議，環氧樹脂每季要 40 噸。", "Evergreen Coatings"),
])
def test_a_latin_company_name_is_not_cut_short(text, company):
    assert (p(text)["customer"] or {}).get("company") == company


@pytest.mark.parametrize("text,facts", [
    ("组件我们报 0.86元/W，戚总说天合现在0.82，让我们往下走。", {(0.86, "quote"), (0.82, "competitor_price")}),
    ("報價 0.85/支，她說 B. Braun 報 0.78，希望我們 match。", {(0.85, "quote"), (0.78, "competitor_price")}),
    ("报价3万，他说华为是30台。", {(30000, "quote")}),  # a count, not a price
    ("他说华为现在0.82。", set()),  # no price talk around it
])
def test_a_bare_number_a_rival_offers(text, facts):
    assert money(p(text)) == facts


@pytest.mark.parametrize("text,facts", [
    ("Harbor Mall 的 facility manager Peter：停车场系统要升级，budget ~15w。", {(150000, "budget")}),
    ("✅ 泰安光储 PO到了：储能柜 6台，总价 118.8w，10天内发货。", {(1188000, "deal")}),
])
def test_english_money_cues(text, facts):
    assert money(p(text)) == facts


@pytest.mark.parametrize("text,category,objects", [
    ("She said our quote of 75 is too high.", "price", True),
    ("Joyce says their budget is 25k max.", "budget", True),
    ("She'll need to check with her boss first.", "decision_delay", True),
    ("他担心我们的拉链头容易掉。", "quality", True),
    ("他嫌我們保固只有一年，日立的有三年。", "service", True),
    ("他说上次我们送货的司机态度不好。", "service", True),
    ("他说扬力的交期比我们快一个月。", "delivery_time", True),
    ("他说我们的单甘酯纯度只有90%，他们要求95%。", "spec", True),
    ("我们这款还没做CE，他说没证书就没法用。", "spec", True),
    ("这个我回头跟领导汇报一下。", "decision_delay", False),  # our side
])
def test_more_ways_of_objecting_in_long_notes(text, category, objects):
    assert (category in p(text)["objections"]) is objects


@pytest.mark.parametrize("text,objects", [
    ("他说先用着看看效果。", False),  # a trial, not a delay
    ("签了三年的独家协议，还有两年才到期。", False),
    ("他说没有证书就下不了单。", False),  # the missing certificate is the objection
    ("他说隔壁给的六十八，让我们再想想办法。", False),  # asked of us
    ("我这边觉得费用偏高，回去跟领导请示一下。", False),  # our side goes on
    ("他说要跟老板商量一下。", True),
])
def test_what_is_no_delayed_decision(text, objects):
    assert ("decision_delay" in p(text)["objections"]) is objects


@pytest.mark.parametrize("text,rivals", [
    ("他说迈瑞同档次的才二十六万。", {"迈瑞"}),
    ("他说再出问题就换回潍坊英轩。", {"潍坊英轩"}),
    ("样品已经寄出，顺丰单号发她微信了。", set()),  # the parcel's carrier
    ("她说隔壁有个酒厂报四十二，问我们能不能跟。", set()),  # unnamed
    ("运维合同续签，年费报12.5万。", set()),  # a fee
])
def test_no_rival_in_the_sentences_words(text, rivals):
    assert set(p(text)["competitors"]) == rivals


@pytest.mark.parametrize("text,facts", [
    ("冰醋酸30t，4850/t，下周三装车。", {(4850, "quote")}),
    ("不干胶标签 20w张，0.028/张，周四交。", {(0.028, "quote")}),
    ("他说 0.8/W以内能接受。", {(0.8, "budget")}),
    ("Raymond 说 current supplier POSCO 给他们 4,650/MT，我们 quote 的 4,820 太高。", {(4650, "competitor_price"), (4820, "quote")}),
    ("Unit price quote 2.6k, he wants target 2.3k.", {(2600, "quote"), (2300, "other")}),
    ("Joyce says their budget is 25k max.", {(25000, "budget")}),
    ("交期 9/15，要 5 units 先试 2 weeks。", set()),  # a date and counts
])
def test_typed_prices(text, facts):
    assert money(p(text)) == facts


@pytest.mark.parametrize("text,name", [
    ("Henry @ Zenith Power 要 electrolyte 报价，15 tons per month。", "Henry"),
    ("Kelly 來電：聖心醫院要 ECG 電極片 50k 片。", "Kelly"),
    ("Fortune Auto Parts 的 SQE Mike 反馈：上批 O型圈有 3% 尺寸超差。", "Mike"),
    ("PO confirmed from Volta Energy (buyer: Nina)：电解液 60吨。", "Nina"),
    ("今天跟 Evergreen Chemicals 的 Daniel 吳開會，他們要 IPA 十二噸。", "Daniel 吳"),
])
def test_english_names_by_what_follows_them(text, name):
    assert (p(text)["customer"] or {}).get("name") == name


@pytest.mark.parametrize("text,name", [
    ("台中晨光烘焙的 owner 林太太 LINE 過來：中秋禮盒要 500 盒。", "林太太"),
    ("市交警支队的冷支队长说电子警察项目还在评审。", "冷支队长"),
    ("拜訪仁愛醫院的許護理長，輸液幫浦要兩台。", "許護理長"),
    ("和柳州龙腾汽车配件的闭总吃饭，冲压线要上两条。", "闭总"),
])
def test_more_titles_and_rare_surnames(text, name):
    assert (p(text)["customer"] or {}).get("name") == name


def test_a_role_is_no_company():
    assert (p("理事长普老师，要空运鲜切花到上海，每周六吨。")["customer"] or {}).get("company") is None


@pytest.mark.parametrize("text,facts", [
    ("超声波燃气表单价G4 480、G6 560。", {(480, "quote"), (560, "quote")}),  # G4, G6 are models
    ("进场费每个SKU三千，少一分都不行。", {(3000, "other")}),
    ("伺服单价1850/套。Kevin 说汇川报得比我们低，1680，问我们能不能跟。", {(1850, "quote"), (1680, "competitor_price")}),
])
def test_prices_after_model_codes_and_comparisons(text, facts):
    assert money(p(text)) == facts


def test_the_contacts_given_name_is_no_rival():
    e = p("设备部经理 Kevin Zhou 接待的。Kevin 说汇川报得比我们低，1680，问我们能不能跟。")
    assert e["competitors"] == ["汇川"]


@pytest.mark.parametrize("text,objects", [
    ("他说之前的代理商给他月结90天，我们只给30天，这点他很在意。", True),
    ("He asked for T/T 60 days, we only do 30.", True),
    ("单价他没意见，就是30%预付他们走不了。", True),
    ("他想把我们30%预付改成货到付款。", True),
    ("付款还是月结六十天，跟之前一样。", False),  # the terms stated
])
def test_payment_terms_disputed(text, objects):
    assert ("payment_terms" in p(text)["objections"]) is objects


@pytest.mark.parametrize("text,name", [
    ("早上在去工厂的路上 说一下 昨天在旺家食品跟采购邬总聊 他说山梨酸钾降价了", "邬总"),  # 路上 is no one
    ("五洲建工那个采购叫常瑞的说工地上要安全帽五百顶", "常瑞"),
])
def test_a_full_name_after_a_role_and_no_place_word(text, name):
    assert (p(text)["customer"] or {}).get("name") == name


@pytest.mark.parametrize("text,objects", [
    ("价格他说三百八一吨可以 我们报的是三百九十五 他让我明天给个准话", True),  # their price under our quote
    ("他说ST原装的也就十二块五 我们国产的报九块五 他觉得还能再低点", True),
    ("报价三百九十五，他说可以。", False),  # our price accepted
])
def test_the_customer_presses_below_our_price(text, objects):
    assert ("price" in p(text)["objections"]) is objects


# --- a rival's price beside ours, typed or spoken ------------------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("Tom says Norvik offered 2,200 per unit, 我们2,450. He wants us to match.", {(2200, "competitor_price"), (2450, "quote")}),
    ("她说 Halden 的 quote 是 8.8k/床, 我们 9.6k.", {(8800, "competitor_price"), (9600, "quote")}),
    ("我们给 32.5/码, Olivia 说 Brenmoor 那边 29.", {(32.5, "quote"), (29, "competitor_price")}),
    ("然后封部长说沙钢的到场价三千四百五我们报的三千五百二", {(3450, "competitor_price"), (3520, "quote")}),
])
def test_a_rivals_price_beside_ours(text, expected):
    assert money(p(text)) == expected


def test_a_price_cleared_in_another_visit_cancels_no_objection():
    e = p("今天两家：1) 恒通物流的罗师傅，轮胎报1680/条，罗说朝阳的才1500，嫌贵；2) 快修连锁蔡店长，雨刮片价格没问题。")
    assert "price" in e["objections"]


def test_a_price_cleared_in_its_own_sentence_is_no_objection():
    e = p("恒通物流的罗师傅说朝阳的才1500，我们报1680，不过价格没问题，主要看交期。")
    assert "price" not in e["objections"]


# --- our own next step is no delayed decision of theirs -------------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("王总嫌价格高，这家我看先放一放。", False),
    ("价格基本谈妥，我已报公司审批，下周给他答复。", False),
    ("Buyer wants 60 days, told him I'd check with finance.", False),
    ("黎姐说：'下季度要不要续，我们得开会再议。'", True),      # quoted: the customer's 我们
    ("王总说价格可以，但要回去跟老板商量一下。", True),
])
def test_whose_delay(text, expected):
    assert ("decision_delay" in p(text)["objections"]) is expected


# --- a desk or a title before the contact is no organisation ---------------------------------------

@pytest.mark.parametrize("text,company", [
    ("电话回访了上个月装的污水设备，用户是青山镇卫生院，后勤的宁主任反映出水氨氮偶尔超标。", "青山镇卫生院"),
    ("今天上午去了市实验中学，见了分管信息化的柯校长，要86寸交互平板40台。", "市实验中学"),
    ("今天去市税务局办公室拜访了车科长，年前要补一批办公用品。", "市税务局"),
])
def test_the_organisation_not_the_desk_before_the_contact(text, company):
    assert p(text)["customer"]["company"] == company


@pytest.mark.parametrize("text,company", [
    ("連假最後一天，接到聖心診所賴醫師的電話，要兩台pH計。", "聖心診所"),
    ("叫顺发贸易的那家，要三个柜子。", "顺发贸易"),
    ("第二家恒通汽修，陈老板要机油五十桶。", "恒通汽修"),
])
def test_the_organisation_without_the_words_around_it(text, company):
    assert p(text)["customer"]["company"] == company


@pytest.mark.parametrize("text", [
    "中联重装物流负责人来电，要一份大件运输方案，1月9号前给。",
    "昨天在永康跟卡特摩托的采购甘经理见的面，要链条三千套。",
])
def test_a_brand_inside_the_customers_name_is_no_rival(text):
    assert p(text)["competitors"] == []


@pytest.mark.parametrize("text,rivals", [
    ("今天去了恒通涂料厂，他们测了我们的样品，亮度和附着力都没问题，就是价格高。", []),
    ("今天去了恒通涂料厂，隋经理说立信和宏达都在报价。", ["立信", "宏达"]),
])
def test_two_properties_judged_are_no_rivals(text, rivals):
    assert p(text)["competitors"] == rivals


@pytest.mark.parametrize("text,expected", [
    ("接到北辰食品苗经理的电话，他们灌装线的伺服电机坏了两台，连备件一共要6台。", False),   # theirs broke: why they buy
    ("高雄港都診所說預算只有80萬，差很多。", False),                                      # the budget's gap
    ("永和门店的石经理说豆浆机坏了三台，我们的师傅两天了还没到。", True),                   # ours broke
])
def test_quality_complaints_about_our_goods(text, expected):
    assert ("quality" in p(text)["objections"]) is expected


@pytest.mark.parametrize("text,expected", [
    ("冷库项目的董经理说参数没问题，他们准备走采购流程。", False),     # the process starts
    ("参数没问题的话这个月就能走流程。", False),
    ("要走院里的采购流程，得等院办会研究完才能定。", True),
])
def test_a_process_under_way_is_no_delay(text, expected):
    assert ("decision_delay" in p(text)["objections"]) is expected


def test_the_middle_of_next_month_said_with_the_month_again():
    assert dates(parse("王总说下个月月中送货。", datetime.fromisoformat("2026-12-07T10:00:00+08:00"), None)) \
        == {("2027-01-15", "delivery")}


@pytest.mark.parametrize("text,customer", [
    ("顺通物流陈站长 电子秤三台", {"name": "陈站长", "company": "顺通物流"}),     # 电子 starts the product
    ("宏达快运的何经理 电子标签两千张", {"name": "何经理", "company": "宏达快运"}),
    ("今天去了徐工机械，王经理说要两台", {"name": "王经理", "company": "徐工机械"}),  # 徐工 is no contact
])
def test_a_title_before_a_product_is_still_the_contact(text, customer):
    assert p(text)["customer"] == customer


@pytest.mark.parametrize("text, expected", [
    ("家电卖场王经理说燃气灶套装卖得不错，让我们再补四十套", ("燃气灶套装", 40, "套")),  # 卖 goes on with the sentence
    ("建材店刘老板说防滑地砖卖得很好，还要两百箱", ("防滑地砖", 200, "箱")),
    ("永兴五金说牛仔布12oz要八千五百码", ("牛仔布12oz", 8500, "码")),  # a spec after the name stays
])
def test_a_verb_after_a_product_is_no_part_of_it(text, expected):
    assert expected in items(p(text))


@pytest.mark.parametrize("text, expected", [
    ("展台上碰到 Nordtek GmbH 的 purchasing manager Anna Vogel，对我们的 BLE chip 很感兴趣，年用量 around 60k pcs。",
     ("BLE chip", 60000, "pcs")),
    ("参展时遇到 Hansen AG 的 buyer Lukas，对我们的 stepper driver 非常感兴趣，usage 大概 12k pcs/年。",
     ("stepper driver", 12000, "pcs")),
    ("老客户祁总对我们的环保增塑剂有兴趣，需求量大约每月三十吨。", ("环保增塑剂", 30, "吨")),  # 需求量 is how much, not what
])
def test_a_volume_counts_what_the_customer_is_interested_in(text, expected):
    assert items(p(text)) == {expected}


def test_interest_with_no_volume_is_no_order():
    assert items(p("陆工对我们的方案很感兴趣，说下周再聊。")) == set()


@pytest.mark.parametrize("text, expected", [
    ("恒达机械孙工要三台螺杆空压机45kW，下周报价。", {("螺杆空压机45kW", 3, "台")}),
    ("组串式逆变器 60kW 要 12台，下周三前报价。", {("组串式逆变器 60kW", 12, "台")}),
    ("清源水务要一体化污水处理设备30t/d x 2 sets，月底前报价。", {("一体化污水处理设备30t/d", 2, "sets")}),
    # with nothing else counted, the power is what is ordered
    ("钱经理说分布式光伏这期要做 800kW。", {("分布式光伏", 800, "kW")}),
])
def test_a_power_or_capacity_beside_a_count_is_a_spec(text, expected):
    assert items(p(text)) == expected


@pytest.mark.parametrize("text, expected", [
    ("王总要螺丝和螺母各两千个，后来说螺母改成三千个。", {("螺丝", 2000, "个"), ("螺母", 3000, "个")}),
    ("Ben说要世涛和IPA各十桶，后来又说IPA改成十五桶。", {("世涛", 10, "桶"), ("IPA", 15, "桶")}),
    # the shared value itself corrected: both products take it
    ("王总要螺丝和螺母各两千个，不对，各三千个。", {("螺丝", 3000, "个"), ("螺母", 3000, "个")}),
])
def test_one_product_of_a_pair_corrected(text, expected):
    assert items(p(text)) == expected


@pytest.mark.parametrize("text, expected", [
    ("泰和机电说产线上的6306轴承要补货六百套", {("6306轴承", 600, "套")}),  # 6306轴 is no count of 轴
    ("要两台车床，下周报价。", {("车床", 2, "台")}),  # a count, however its measure word reads on
])
def test_a_model_number_glued_to_a_name_is_no_count(text, expected):
    assert items(p(text)) == expected
